"""What the browser tests do on many pages, written once."""


def log_in(page, base, username, password):
    """Log ``username`` in through the site's log-in page and wait for the home page."""
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/")
