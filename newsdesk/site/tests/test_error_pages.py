from django.test import TestCase


class ErrorPageTests(TestCase):
    def test_unknown_address_gets_the_site_404_page_with_a_way_back(self):
        response = self.client.get("/no/such/page/")
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, "Page not found", status_code=404)
        self.assertContains(response, 'href="/search/"', status_code=404)

    def test_unknown_article_gets_the_site_404_page(self):
        response = self.client.get("/news/99999999/")
        self.assertContains(response, "There is no story or page at this address", status_code=404)
