"""The route map: how a request finds its resource group, as API Gateway would pick it."""

from __future__ import annotations

import pytest

from docket import topology
from docket.topology import RateCategory, Route


def test_every_base_path_is_stripped_and_other_paths_are_left_alone() -> None:
    assert topology.strip_base_path("/v1/feedback") == "/feedback"
    assert topology.strip_base_path("/api/v1/feedback/fb_1/") == "/feedback/fb_1/"
    assert topology.strip_base_path("/api/feedback") == "/feedback"
    assert topology.strip_base_path("/v1") == "/"
    assert topology.strip_base_path("/v10/feedback") == "/v10/feedback"


@pytest.mark.parametrize(
    ("method", "path", "group", "public"),
    [
        ("GET", "/health", "platform", True),
        ("POST", "/health", "platform", False),
        ("GET", "/feedback", "helpdesk", False),
        ("PUT", "/feedback/fb_1", "helpdesk", False),
        ("GET", "/feedback/fb_1/", "helpdesk", False),
        ("OPTIONS", "/feedback/fb_1", "helpdesk", True),
        ("GET", "/openapi.json", "docs", True),
        ("GET", "/docs", "docs", True),
    ],
)
def test_match_picks_the_group_and_whether_the_authorizer_runs(
    method: str, path: str, group: str, public: bool
) -> None:
    found = topology.match(method, path)
    assert found is not None
    assert (found.group.name, found.public) == (group, public)


def test_paths_outside_every_prefix_match_nothing() -> None:
    assert topology.match("GET", "/nothing-here") is None
    assert topology.match("GET", "/feedbackx") is None


def test_proxy_path_parameter_carries_the_rest_of_the_path() -> None:
    found = topology.match("GET", "/feedback/fb_1/extra")
    assert found is not None
    assert found.resource == "/feedback/{proxy+}"
    assert found.path_parameters == {"proxy": "fb_1/extra"}


def test_api_methods_put_every_prefix_behind_the_authorizer_and_public_routes_outside_it() -> None:
    methods = {(m.resource, m.method): m.public for m in topology.api_methods()}
    for group in topology.API_GROUPS:
        for prefix in group.prefixes:
            assert methods[(prefix, "ANY")] is False
            assert methods[(f"{prefix}/{{proxy+}}", "ANY")] is False
            assert methods[(prefix, "OPTIONS")] is True
        for route in group.public:
            assert methods[(route.path, route.method)] is True


def test_prefixes_are_owned_by_exactly_one_group() -> None:
    owners: dict[str, str] = {}
    for group in topology.API_GROUPS:
        for prefix in group.prefixes:
            assert prefix not in owners, f"{prefix} owned by {owners.get(prefix)} and {group.name}"
            owners[prefix] = group.name


def test_rate_category_follows_the_method_unless_the_group_or_route_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert topology.rate_category("helpdesk", "GET", "/feedback") is RateCategory.READ
    assert topology.rate_category("helpdesk", "POST", "/feedback") is RateCategory.WRITE
    helpdesk = topology.group("helpdesk")
    monkeypatch.setitem(helpdesk.categories, Route("POST", "/feedback"), RateCategory.UPLOAD)
    assert topology.rate_category("helpdesk", "POST", "/feedback") is RateCategory.UPLOAD


def test_every_function_is_named_once() -> None:
    names = topology.all_function_names()
    assert len(names) == len(set(names))
    assert {"authorizer", "websocket", "publisher", "notifier", "keys"} <= set(names)


def test_a_public_route_is_its_own_resource_with_a_preflight_and_nothing_else() -> None:
    # API Gateway picks the resource first: /auth/login has POST and OPTIONS only
    login = topology.match("POST", "/auth/login")
    assert login is not None
    assert (login.resource, login.public) == ("/auth/login", True)
    preflight = topology.match("OPTIONS", "/auth/login")
    assert preflight is not None
    assert preflight.public
    assert topology.match("GET", "/auth/login") is None
    # while its siblings under the prefix still reach the group behind the authorizer
    sibling = topology.match("GET", "/auth/api-keys")
    assert sibling is not None
    assert (sibling.resource, sibling.public) == ("/auth/{proxy+}", False)


def test_a_group_may_own_a_prefix_beneath_another_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a later group owning /organizations/me/package beneath the directory's /organizations
    nested = topology.ApiGroup(name="subscriptions", prefixes=("/organizations/me/package",))
    monkeypatch.setattr(topology, "API_GROUPS", (*topology.API_GROUPS, nested))
    topology._resource_table.cache_clear()
    try:
        owners = {
            path: found.group.name
            for path in (
                "/organizations/me/package",
                "/organizations/me/package/auto-renew",
                "/organizations/me/packages",
                "/organizations/me/settings",
                "/organizations",
            )
            if (found := topology.match("PUT", path)) is not None
        }
    finally:
        monkeypatch.undo()
        topology._resource_table.cache_clear()
    # Then the most specific prefix wins, and only on whole path segments
    assert owners == {
        "/organizations/me/package": "subscriptions",
        "/organizations/me/package/auto-renew": "subscriptions",
        "/organizations/me/packages": "directory",
        "/organizations/me/settings": "directory",
        "/organizations": "directory",
    }


def test_every_parent_resource_beneath_a_prefix_has_methods(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a later group owning /organizations/me/package, which makes API Gateway create an
    # /organizations/me resource (and /auth/organization/register already makes /auth/organization)
    nested = topology.ApiGroup(name="subscriptions", prefixes=("/organizations/me/package",))
    monkeypatch.setattr(topology, "API_GROUPS", (*topology.API_GROUPS, nested))
    topology._resource_table.cache_clear()
    try:
        methods = topology.api_methods()
        organizations_me = topology.match("GET", "/organizations/me")
        stats = topology.match("GET", "/organizations/me/stats")
        auth_parent = topology.match("GET", "/auth/organization")
    finally:
        monkeypatch.undo()
        topology._resource_table.cache_clear()
    resources = {m.resource for m in methods}
    holes = {
        "/" + "/".join(r.strip("/").split("/")[:depth])
        for r in resources
        for depth in range(2, r.strip("/").count("/") + 1)
    } - resources
    # Then no parent is left without methods for API Gateway to answer on its own
    assert holes == set()
    # And such paths reach the group whose prefix covers them, behind the authorizer
    assert organizations_me is not None
    assert (organizations_me.group.name, organizations_me.public) == ("directory", False)
    assert stats is not None
    assert stats.group.name == "directory"
    assert auth_parent is not None
    assert (auth_parent.group.name, auth_parent.public) == ("auth", False)
