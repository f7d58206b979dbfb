"""``python -m services.auth`` runs the auth service."""

from services.auth.main import main

main()
