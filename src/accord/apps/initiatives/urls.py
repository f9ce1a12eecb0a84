from django.urls import path

from accord.apps.initiatives import views

app_name = "initiatives"

urlpatterns = [
    path("", views.initiative_list, name="list"),
    path("start/", views.initiative_start, name="start"),
    path("import/", views.initiative_import, name="import"),
    path("<int:pk>/", views.initiative_summary, name="summary"),
    path("<int:pk>/export/", views.initiative_export, name="export"),
    path("<int:pk>/history/", views.initiative_history, name="history"),
    path("<int:pk>/describe/", views.describe, name="describe"),
    path("<int:pk>/describe/details/", views.details, name="details"),
    path("<int:pk>/describe/purposes/", views.purposes, name="purposes"),
    path("<int:pk>/describe/parties/", views.parties, name="parties"),
    path(
        "<int:pk>/describe/parties/<int:party_pk>/remove/", views.party_remove, name="party-remove"
    ),
    path("<int:pk>/describe/people/", views.subjects, name="subjects"),
    path("<int:pk>/describe/data/", views.data_items, name="data"),
    path("<int:pk>/describe/handling/", views.handling, name="handling"),
    path("<int:pk>/describe/assess-on/", views.assess_on, name="assess-on"),
    path("<int:pk>/describe/check/", views.check_answers, name="check"),
    path("<int:pk>/legal-basis/", views.legal_basis, name="legal-basis"),
    path("<int:pk>/legal-basis/<path:key>/", views.conclusion, name="conclusion"),
    path("<int:pk>/fairness/", views.fairness_overview, name="fairness"),
    path(
        "<int:pk>/fairness/questions/<str:question_id>/", views.fairness_question, name="question"
    ),
    path("<int:pk>/fairness/dpia/screening/", views.dpia_screening, name="dpia-screening"),
    path("<int:pk>/fairness/dpia/risks/add/", views.dpia_risk_add, name="dpia-risk-add"),
    path(
        "<int:pk>/fairness/dpia/risks/<int:risk_pk>/remove/",
        views.dpia_risk_remove,
        name="dpia-risk-remove",
    ),
    path("<int:pk>/fairness/dpia/advice/", views.dpia_advice, name="dpia-advice"),
    path("<int:pk>/fairness/dpia/response/", views.dpia_response, name="dpia-response"),
    path("<int:pk>/mechanism/", views.mechanism, name="mechanism"),
]
