"""The smaller things a chair or a developer meets first: the command line lists every command,
`make run` takes HOST and PORT, the demo says where everything is, /docs works under the
Content-Security-Policy, and the site has an icon."""

import argparse
import os
import re
import subprocess
import sys

from core.settings import PROJECT_ROOT
from main import build_parser


def run_cli(*args: str, database_url: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **({"DATABASE_URL": database_url} if database_url else {})}
    return subprocess.run([sys.executable, "main.py", *args], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def every_command(parser: argparse.ArgumentParser, prefix: str = "") -> list[str]:
    names = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, command in action.choices.items():
                names.extend(every_command(command, f"{prefix}{name} ") or [f"{prefix}{name}"])
    return names


class TestTheHelp:
    def test_help_lists_every_command_with_its_arguments(self):
        shown = run_cli("--help")

        assert shown.returncode == 0
        commands = every_command(build_parser())
        assert "tally" in commands and "passes issue" in commands and "audit verify" in commands
        for command in commands:
            assert re.search(rf"^  main\.py {command}\b", shown.stdout, re.M), f"{command} is not in --help"

    def test_no_command_at_all_shows_the_help(self):
        shown = run_cli()

        assert shown.returncode == 2
        assert "every command:" in shown.stdout


class TestMakeRun:
    def test_host_and_port_reach_the_demo_and_the_server(self):
        plan = subprocess.run(["make", "-n", "run", "HOST=0.0.0.0", "PORT=8123"], cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=60)

        assert "main.py demo --host 0.0.0.0 --port 8123" in plan.stdout
        assert "main.py serve --host 0.0.0.0 --port 8123" in plan.stdout

    def test_without_them_it_serves_on_localhost_8000(self):
        plan = subprocess.run(["make", "-n", "run"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
                              env={k: v for k, v in os.environ.items() if k not in ("HOST", "PORT")})

        assert "main.py serve --host 127.0.0.1 --port 8000" in plan.stdout


class TestTheDemo:
    def test_it_prints_the_address_the_rounds_and_who_can_vote(self, tmp_path):
        url = f"sqlite:///{tmp_path / 'demo.db'}"

        first = run_cli("demo", "--host", "192.168.1.20", "--port", "8080", database_url=url)
        again = run_cli("demo", "--port", "8080", database_url=url)

        assert first.returncode == 0, first.stderr
        assert "Common Purse at http://192.168.1.20:8080/" in first.stdout
        assert re.search(r"Round 1: Community Fund 2025 \(results published\)", first.stdout)
        assert "http://192.168.1.20:8080/rounds/1/results" in first.stdout
        assert re.search(r"Round 2: Community Fund 2027: your ideas \(collecting ideas; voting not open yet\)",
                         first.stdout)
        assert re.search(r"Round 3: .*Community Fund 2026 \(ideas being costed; voting not open yet\)", first.stdout)
        assert "http://192.168.1.20:8080/screen/3" in first.stdout
        assert first.stdout.count("postcode in SK10, SK11") == 3
        assert "demo-chair-pass" in first.stdout
        # Run again (as every `make run` does), it still says where everything is.
        assert "already there" in again.stdout and "http://127.0.0.1:8080/rounds/2" in again.stdout


class TestApiDocs:
    def test_docs_use_the_vendored_swagger_ui_and_no_cdn(self, client):
        page = client.get("/docs")

        assert page.status_code == 200
        assert "/static/swagger-ui-5.35.0/swagger-ui-bundle-5.35.0.js" in page.text
        assert "/static/swagger-ui-5.35.0/swagger-ui-5.35.0.css" in page.text
        assert 'href="/openapi.json"' in page.text
        assert "cdn" not in page.text.lower() and "<script>" not in page.text
        assert client.get("/static/swagger-ui-5.35.0/swagger-ui-bundle-5.35.0.js").status_code == 200
        assert client.get("/openapi.json").json()["info"]["title"] == "Common Purse"


class TestFavicon:
    def test_every_page_names_the_icon_and_the_usual_address_finds_it(self, client):
        home = client.get("/")
        icon = client.get("/favicon.ico")

        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in home.text
        assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
