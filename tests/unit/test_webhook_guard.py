"""Where webhooks may go: public addresses only, unless WEBHOOK_ALLOW_PRIVATE."""

from __future__ import annotations

import pytest

from core.errors import Invalid
from webhooks.guard import RefusedDestination, check_url, resolve

PRIVATE = [
    "http://127.0.0.1/hooks",
    "http://127.1.2.3:8080/",
    "https://10.0.0.5/hooks",
    "https://172.16.3.4/",
    "https://192.168.1.10/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:9000/hooks",
    "http://[fe80::1]/",
    "http://[fd00::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://0.0.0.0/",
    "http://100.64.0.1/",
    "http://localhost/hooks",
]


@pytest.mark.parametrize("url", PRIVATE)
def test_private_loopback_and_link_local_destinations_are_refused(url):
    with pytest.raises(RefusedDestination, match="private, loopback or link-local"):
        resolve(url, allow_private=False)
    with pytest.raises(Invalid) as refused:
        check_url(url, allow_private=False)
    assert refused.value.status == 422 and refused.value.field == "url"


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/hooks", "http://[::1]/", "http://10.1.2.3/"]
)
def test_the_setting_allows_them(url):
    destination = resolve(url, allow_private=True)
    assert destination.address in url


def test_a_public_address_is_kept_and_connected_to_as_checked():
    destination = resolve("https://93.184.215.14:8443/crm/hooks?brokerage=7", allow_private=False)
    assert (destination.scheme, destination.host, destination.port) == (
        "https",
        "93.184.215.14",
        8443,
    )
    assert destination.address == "93.184.215.14"
    assert destination.target == "/crm/hooks?brokerage=7"


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://93.184.215.14/", "must start with https://"),
        ("93.184.215.14/hooks", "must start with https://"),
        ("https://user:pw@93.184.215.14/", "user name or password"),
        ("https://93.184.215.14:99999/", "not valid"),
        ("https://" + "a" * 2000 + ".com/", "longer than"),
        ("https://no-such-host.invalid/", "could not be resolved"),
    ],
)
def test_malformed_urls_are_refused_with_the_reason(url, why):
    with pytest.raises(Invalid, match=why):
        check_url(url, allow_private=True)
