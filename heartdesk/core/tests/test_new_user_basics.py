"""What a new user trips on first: the favicon, and API docs that work offline."""

import pytest
from django.contrib.staticfiles import finders


@pytest.mark.django_db
def test_favicon_is_served_from_our_static_files(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.svg")
    assert finders.find("img/favicon.svg")


@pytest.mark.django_db
def test_api_docs_use_the_bundled_swagger_ui_not_a_cdn(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn." not in html
    assert "/static/ninja/" in html
    assert finders.find("ninja/swagger-ui-bundle.js")
