from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "accord.apps.reviews"
    label = "reviews"
    verbose_name = "Reviews"
