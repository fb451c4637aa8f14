"""{% fixed_url %}: the address {% url %} gives, reversed once per URLconf and script prefix."""

from django.template import Context, Template
from django.test import SimpleTestCase
from django.urls import include, path, reverse, set_script_prefix


def render(source: str, **context) -> str:
    return Template("{% load newsdesk %}" + source).render(Context(context))


class FixedUrlTests(SimpleTestCase):
    def tearDown(self):
        set_script_prefix("/")

    def test_the_same_address_as_the_url_tag(self):
        self.assertEqual(
            render("{% fixed_url 'feeds:site' 'rss' %}"), reverse("feeds:site", args=["rss"])
        )
        self.assertEqual(
            render("{% fixed_url view slug 'atom' %}", view="feeds:section", slug="world"),
            reverse("feeds:section", args=["world", "atom"]),
        )

    def test_a_site_served_under_a_prefix_gets_its_own_addresses(self):
        plain = render("{% fixed_url 'site:search' %}")
        set_script_prefix("/news-site/")
        self.assertEqual(render("{% fixed_url 'site:search' %}"), "/news-site" + plain)

    def test_other_urlconfs_are_not_served_from_the_first_ones_addresses(self):
        self.assertTrue(render("{% fixed_url 'site:home' %}"))
        with self.settings(ROOT_URLCONF="newsdesk.core.tests.test_fixed_url"):
            self.assertEqual(render("{% fixed_url 'site:home' %}"), "/elsewhere/")


def _home(request):
    raise AssertionError("not requested")


urlpatterns = [path("", include(([path("elsewhere/", _home, name="home")], "site")))]
