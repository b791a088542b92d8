"""Jinja2 templates, with rendering of one named block for htmx and websocket fragments."""

from fastapi.templating import Jinja2Templates

from core.money import money
from core.settings import PROJECT_ROOT, get_settings

templates = Jinja2Templates(directory=str(PROJECT_ROOT / "templates"))
templates.env.globals["site_name"] = get_settings().site_name
templates.env.globals["htmx_js"] = "/static/htmx-2.0.11.min.js"
templates.env.globals["htmx_ws_js"] = "/static/htmx-ext-ws-2.0.4.js"


templates.env.filters["money"] = money


def _day_words(day):
    from governance.arc import day_words

    return day_words(day)


templates.env.globals["day_words"] = _day_words


def render_block(template_name: str, block_name: str, context: dict) -> str:
    """Render one block of a page, e.g. the turnout counter pushed to the big screen."""
    template = templates.env.get_template(template_name)
    block = template.blocks[block_name]
    return "".join(block(template.new_context(context)))


def render(request, name: str, context: dict | None = None, status_code: int = 200, headers=None):
    """A whole page, with what every page needs: the signed-in name and the form token."""
    from core.web import csrf_token

    full = {"staff_name": request.session.get("staff_name"), "csrf_token": csrf_token(request), **(context or {})}
    return templates.TemplateResponse(request, name, full, status_code=status_code, headers=headers)
