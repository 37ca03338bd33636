"""A real Chromium, driven by Playwright, against a live server: log in, import a CSV, search, edit."""

import pytest
from playwright.sync_api import expect

from heartdesk.accounts.choices import Role
from heartdesk.conftest import PASSWORD
from heartdesk.customers.models import Contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_logs_in_imports_a_csv_searches_and_edits_a_contact(live_server, cast, browser, worker, tmp_path):
    csv_file = tmp_path / "people.csv"
    csv_file.write_bytes(
        "Email;First name;Last name;Company\nmarie@uni.example;Marie;Curie;Radium Institute\n"
        "pierre@uni.example;Pierre;Curie;Radium Institute\n".encode("cp1252")
    )
    page = browser.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(cast[Role.ACCOUNT_MANAGER].username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/tickets/")
    page.goto(f"{live_server.url}/customers/")

    page.get_by_role("link", name="Import").first.click()
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_test_id("import-status").filter(has_text="Imported").wait_for(timeout=20000)
    assert page.get_by_test_id("created").inner_text() == "2"
    page.screenshot(path=str(tmp_path / "import.png"))

    page.goto(f"{live_server.url}/customers/")
    page.get_by_label("Search").fill("pierre")
    expect(page.locator("#results a", has_text="Marie Curie")).to_have_count(0)
    expect(page.locator("#results a", has_text="Pierre Curie")).to_have_count(1)
    assert "q=pierre" in page.url  # htmx pushed the search into the address bar
    page.locator("#results a", has_text="Pierre Curie").click()
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Job title").fill("Professor")
    page.get_by_role("textbox", name="Email").fill("not an email")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Enter a valid email address")).to_be_visible()
    page.get_by_role("textbox", name="Email").fill("pierre.curie@uni.example")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Contact saved.").wait_for()
    expect(page.get_by_role("cell", name="job_title")).to_be_visible()

    pierre = Contact.objects.get(first_name="Pierre")
    assert pierre.job_title == "Professor" and pierre.email == "pierre.curie@uni.example"
    assert pierre.organization.name == "Radium Institute"
