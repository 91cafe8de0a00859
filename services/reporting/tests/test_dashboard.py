import httpx
from fastapi import FastAPI

from kam_reporting.config import ReportingSettings
from kam_reporting.main import create_app


class TestDashboard:
    async def test_the_dashboard_page_answers_200_with_html_without_an_api_key(self, tmp_path):
        app = create_app(ReportingSettings(data_dir=tmp_path, admin_api_key="test-key"))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            response = await client.get("/")

        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert "<svg" in response.text and "v1/reports/tiers" in response.text
        assert "http://" not in response.text.replace("http://www.w3.org/2000/svg", ""), "no external resources"

    async def test_the_dashboard_and_its_report_work_when_mounted_under_a_prefix(self, app):
        host = FastAPI()
        host.mount("/reporting", app)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=host), base_url="http://test") as client:
            page = await client.get("/reporting", follow_redirects=True)
            report = await client.get("/reporting/v1/reports/tiers", headers={"X-API-Key": "test-key"})

        assert page.status_code == 200 and "<svg" in page.text
        assert str(page.url) == "http://test/reporting/"
        assert report.status_code == 200 and len(report.json()["tiers"]) == 5
