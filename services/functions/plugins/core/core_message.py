"""``core_message``: sending instant messages between users."""

# ruff: noqa: E501

from __future__ import annotations

import time
from typing import Any

from services.functions.api import CallContext, Plugin
from services.functions.plugins.core.site.access import Site
from services.functions.plugins.core.site.desc import m, s, v
from services.functions.plugins.core.site.records import Message
from services.functions.plugins.core.version import MOODLE_VERSION
from shared.constants import MOBILE_SERVICE
from shared.errors import WSError
from shared.external import (
    PARAM_ALPHANUMEXT,
    PARAM_BOOL,
    PARAM_INT,
    PARAM_RAW,
    PARAM_TEXT,
    ExternalFunctionParameters,
)

__all__ = ["plugin"]

plugin = Plugin("core_message", version=MOODLE_VERSION)


def _conversation(a: int, b: int) -> int:
    """A stable id for the two-person conversation (Moodle keeps a conversations table)."""
    low, high = sorted((a, b))
    return low * 1_000_000 + high


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "messages": m(
                s(
                    {
                        "touserid": v(PARAM_INT, "id of the user to send the private message"),
                        "text": v(PARAM_RAW, "the text of the message"),
                        "textformat": v(
                            PARAM_INT,
                            "text format (1 = HTML, 0 = MOODLE, 2 = PLAIN or 4 = MARKDOWN)",
                            default=0,
                        ),
                        "clientmsgid": v(
                            PARAM_ALPHANUMEXT,
                            "your own client id for the message. If this id is provided, the fail message id will be returned to you",
                            opt=True,
                        ),
                    }
                )
            )
        }
    ),
    returns=m(
        s(
            {
                "msgid": v(
                    PARAM_INT,
                    "test this to know if it succeeds:  id of the created message if it succeeded, -1 when failed",
                ),
                "clientmsgid": v(PARAM_ALPHANUMEXT, "your own id for the message", opt=True),
                "errormessage": v(PARAM_TEXT, "error message - if it failed", opt=True),
                "text": v(PARAM_RAW, "The text of the message", opt=True),
                "timecreated": v(PARAM_INT, "The timecreated timestamp for the message", opt=True),
                "conversationid": v(PARAM_INT, "The conversation id for this message", opt=True),
                "useridfrom": v(PARAM_INT, "The user id who sent the message", opt=True),
                "candeletemessagesforallusers": v(
                    PARAM_BOOL,
                    "If the user can delete messages in the conversation for all users",
                    default=False,
                ),
            }
        )
    ),
    description="Send instant messages",
    type="write",
    ajax=True,
    services=[MOBILE_SERVICE],
)
async def send_instant_messages(
    ctx: CallContext, messages: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    site = Site(ctx)
    if (await ctx.store.get_config()).get("messaging", "1") != "1":
        raise WSError("disabled", "Messaging is disabled on this site")
    await site.require("moodle/site:sendmessage", await site.system())
    out = []
    for spec in messages:
        entry: dict[str, Any] = {"candeletemessagesforallusers": False}
        if "clientmsgid" in spec:
            entry["clientmsgid"] = spec["clientmsgid"]
        recipient = await ctx.store.get_user(spec["touserid"])
        if recipient is None or recipient.deleted:
            out.append(entry | {"msgid": -1, "errormessage": "Touserid is invalid"})
            continue
        if recipient.id == site.userid:
            out.append(
                entry | {"msgid": -1, "errormessage": "You can not send a message to yourself"}
            )
            continue
        message = Message(
            useridfrom=site.userid,
            useridto=recipient.id,
            conversationid=_conversation(site.userid, recipient.id),
            text=spec["text"],
            textformat=spec["textformat"],
            timecreated=int(time.time()),
        )
        await site.db.insert(message)
        out.append(
            entry
            | {
                "msgid": message.id,
                "text": message.text,
                "timecreated": message.timecreated,
                "conversationid": message.conversationid,
                "useridfrom": message.useridfrom,
            }
        )
    return out
