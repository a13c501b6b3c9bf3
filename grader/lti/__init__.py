"""LTI 1.3 with Advantage: the service as a tool an LMS (Canvas, Moodle, …) launches.

    keys.py       ToolKeys: the tool's RSA key pairs (a file, mode 0600), its JWKS, rotation
    platforms.py  the registered platforms (`grade lti add|list|remove`)
    launch.py     the OIDC login's state and nonce, the id_token's verification
    records.py    what a launch stores: the nonce, the user's student id, the line item
    deeplink.py   the deep-linking response (one resource link and line item per problem)
    passback.py   the score outbox and its sender (Assignment and Grade Services)

The HTTP routes are grader/service/routes/lti.py; the command is grader/cli/commands/lti.py.
"""

from grader.lti.errors import LaunchRefused, LtiError, PassbackFailed
from grader.lti.keys import ToolKeys, default_key_file
from grader.lti.platforms import Platform, add_platform, find_platform, list_platforms, remove_platform

__all__ = [
    "LaunchRefused",
    "LtiError",
    "PassbackFailed",
    "Platform",
    "ToolKeys",
    "add_platform",
    "default_key_file",
    "find_platform",
    "list_platforms",
    "remove_platform",
]
