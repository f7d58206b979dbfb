"""The site data layer of the core plugin: records, store, access rules, demo seed."""
