"""The API documents: pages that work offline, and an OpenAPI document that says everything the frame answers."""

import importlib
import re

import pytest

from kam_shared.testing import TEST_API_KEY, running

SERVICES = {
    "registry": ("kam_registry", "RegistrySettings"),
    "tiering": ("kam_tiering", "TieringSettings"),
    "service-desk": ("kam_service_desk", "ServiceDeskSettings"),
    "reporting": ("kam_reporting", "ReportingSettings"),
}
ASSET_REFERENCE = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']|url\s*:\s*["']([^"']+)["']""")


def build(name: str, database_url: str):
    package, settings_name = SERVICES[name]
    settings_class = getattr(importlib.import_module(f"{package}.config"), settings_name)
    return importlib.import_module(f"{package}.main").create_app(
        settings_class(database_url=database_url, admin_api_key=TEST_API_KEY)
    )


@pytest.fixture(params=list(SERVICES))
async def service(request, database_url):
    async with running(build(request.param, await database_url(request.param)), TEST_API_KEY) as client:
        yield client


def references(page: str) -> list[str]:
    return [src or url for src, url in ASSET_REFERENCE.findall(page)]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_documentation_pages_load_only_what_the_service_itself_serves(service, page):
    html = (await service.get(page)).text
    found = references(html)
    assert any(reference.endswith(".js") for reference in found), found
    for reference in found:
        assert reference.startswith("/"), f"{page} loads {reference} from elsewhere"
        response = await service.get(reference)
        assert response.status_code == 200, reference
        assert response.content
    assert "/openapi.json" in found
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", html), "the page names another host"


async def test_in_the_all_in_one_suite_the_documentation_pages_load_assets_under_the_service_prefix(tmp_path):
    from kam_suite.main import create_suite_app

    async with running(create_suite_app(tmp_path / "data", TEST_API_KEY), TEST_API_KEY) as client:
        for page in ("/registry/docs", "/reporting/redoc", "/docs"):
            found = references((await client.get(page)).text)
            assert found, page
            prefix = page.rsplit("/", 1)[0] + "/"
            for reference in found:
                assert reference.startswith(prefix), f"{page} loads {reference}"
                assert (await client.get(reference)).status_code == 200, reference


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


async def test_every_v1_operation_documents_what_the_frame_answers_in_the_problem_shape(service):
    document = (await service.get("/openapi.json")).json()
    problem = {"$ref": "#/components/schemas/Problem"}
    schemes = document["components"]["securitySchemes"]
    assert {name: {k: v for k, v in scheme.items() if k != "description"} for name, scheme in schemes.items()} == {
        "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        "Bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
    }
    assert set(document["components"]["schemas"]["Problem"]["required"]) == {"type", "title", "status"}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    v1 = [(path, method, operation) for path, method, operation in operations(document) if path.startswith("/v1/")]
    assert v1
    for path, method, operation in v1:
        responses = operation["responses"]
        assert operation["security"] == [{"ApiKey": []}, {"Bearer": []}], (method, path)
        expected = {"401", "403", "429"} | ({"413", "415"} if "requestBody" in operation else set())
        assert expected <= set(responses), (method, path, sorted(responses))
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                assert response["content"] == {"application/problem+json": {"schema": problem}}, (method, path)


async def test_operations_outside_v1_need_no_key(service):
    document = (await service.get("/openapi.json")).json()
    for path, _method, operation in operations(document):
        if not path.startswith("/v1/"):
            assert "security" not in operation and "401" not in operation["responses"], path
