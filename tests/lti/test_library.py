"""The LTI library's rules without a server: roles, backoff, the platform keys' cache, the scores URL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from grader.lti.claims import is_staff
from grader.lti.errors import LaunchRefused
from grader.lti.launch import JwksCache
from grader.lti.passback import _scores_url, backoff
from tests.lti.platform import new_key

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


@pytest.mark.parametrize(
    ("roles", "staff"),
    [
        ([LIS + "membership#Instructor"], True),
        ([LIS + "membership/Instructor#TeachingAssistant"], True),
        ([LIS + "institution/person#Administrator"], True),
        ([LIS + "system/person#Administrator"], True),
        ([LIS + "membership#Learner"], False),
        ([LIS + "institution/person#Student", LIS + "membership#Learner"], False),
        ([LIS + "membership#Mentor"], False),
        ([], False),
    ],
)
def test_staff_roles(roles: list[str], staff: bool) -> None:
    assert is_staff(roles) is staff


@pytest.mark.parametrize(("failures", "seconds"), [(1, 2), (2, 4), (3, 8), (9, 512), (10, 600), (50, 600)])
def test_backoff_doubles_up_to_its_cap(failures: int, seconds: int) -> None:
    assert backoff(failures) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("lineitem", "scores"),
    [
        ("https://lms.example/line_items/31", "https://lms.example/line_items/31/scores"),
        ("https://lms.example/line_items/31/", "https://lms.example/line_items/31/scores"),
        ("https://lms.example/mod/lti/services.php/2/lineitems/7/lineitem?type_id=1",
         "https://lms.example/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=1"),
    ],
)  # fmt: skip
def test_the_scores_endpoint_of_a_line_item(lineitem: str, scores: str) -> None:
    assert _scores_url(lineitem) == scores


class FakeKeys:
    """A platform's JWKS endpoint and a clock, by hand."""

    def __init__(self) -> None:
        self.keys = [new_key("k1")]
        self.fetches = 0
        self.now = 1000.0

    def fetch(self, url: str) -> Any:
        self.fetches += 1
        return {"keys": [key.as_dict(private=False) for key in self.keys]}

    def clock(self) -> float:
        return self.now


def test_the_platforms_keys_are_cached_and_fetched_again_for_a_new_kid() -> None:
    fake = FakeKeys()
    cache = JwksCache(fetch=fake.fetch, clock=fake.clock)
    assert cache.key("https://lms/jwks", "k1").kid == "k1"
    assert cache.key("https://lms/jwks", "k1").kid == "k1"
    assert fake.fetches == 1  # cached
    fake.keys.append(new_key("k2"))  # the platform rotates
    with pytest.raises(LaunchRefused):  # fetched a moment ago: an unknown kid does not refetch at once
        cache.key("https://lms/jwks", "k2")
    assert fake.fetches == 1
    fake.now += 11
    assert cache.key("https://lms/jwks", "k2").kid == "k2"
    assert fake.fetches == 2
    fake.now += 601  # stale: fetched again even for a known kid
    cache.key("https://lms/jwks", "k1")
    assert fake.fetches == 3


def test_a_jwks_that_cannot_be_read_is_the_platform_unavailable() -> None:
    def broken(url: str) -> Any:
        return {"keys": "not a list"}

    with pytest.raises(LaunchRefused) as refused:
        JwksCache(fetch=broken).key("https://lms/jwks", "k1")
    assert refused.value.code == "lti_platform_unavailable"
