"""The LTI 1.3 and Advantage claim names, message types and roles (IMS LTI 1.3 core, DL 2.0, AGS 2.0)."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "AGS_ENDPOINT",
    "CONTENT_ITEMS",
    "CUSTOM",
    "DEEP_LINKING_REQUEST",
    "DEEP_LINKING_RESPONSE",
    "DEEP_LINKING_SETTINGS",
    "DL_DATA",
    "DEPLOYMENT_ID",
    "LTI_VERSION",
    "MESSAGE_TYPE",
    "RESOURCE_LINK",
    "RESOURCE_LINK_REQUEST",
    "ROLES",
    "SCOPE_LINEITEM",
    "SCOPE_SCORE",
    "SCORE_MEDIA_TYPE",
    "TARGET_LINK_URI",
    "VERSION",
    "is_staff",
]

_LTI = "https://purl.imsglobal.org/spec/lti/claim/"
_DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"

MESSAGE_TYPE = _LTI + "message_type"
VERSION = _LTI + "version"
DEPLOYMENT_ID = _LTI + "deployment_id"
TARGET_LINK_URI = _LTI + "target_link_uri"
RESOURCE_LINK = _LTI + "resource_link"
ROLES = _LTI + "roles"
CUSTOM = _LTI + "custom"
DEEP_LINKING_SETTINGS = _DL + "deep_linking_settings"
CONTENT_ITEMS = _DL + "content_items"
DL_DATA = _DL + "data"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"

LTI_VERSION = "1.3.0"
RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
DEEP_LINKING_RESPONSE = "LtiDeepLinkingResponse"

SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"

#: The roles that see the staff views: Instructor (membership), its TeachingAssistant sub-role,
#: and Administrator (institution or system); matched on the role URI's last segments.
_STAFF_ROLES = {"Instructor", "TeachingAssistant", "Administrator"}


def is_staff(roles: Iterable[str]) -> bool:
    """True when any role is an instructor's, a teaching assistant's or an administrator's."""
    for role in roles:
        segments = role.rsplit("/", 1)[-1].split("#")
        if _STAFF_ROLES.intersection(segments):
            return True
    return False
