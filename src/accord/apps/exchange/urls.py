"""The exchange pages of one agreement, under /agreements/<pk>/exchange/."""

from django.urls import path

from accord.apps.exchange.views import channel, clients, datasets, files, log, lookup

app_name = "exchange"

urlpatterns = [
    path("", channel.overview, name="overview"),
    path("go-live/", channel.go_live, name="go-live"),
    path("suspend/", channel.suspend, name="suspend"),
    path("resume/", channel.resume, name="resume"),
    path("terminate/", channel.terminate, name="terminate"),
    path("log/", log.disclosure_log, name="log"),
    path("datasets/new/", datasets.dataset_new, name="dataset-new"),
    path("datasets/<int:dataset_pk>/", datasets.dataset_detail, name="dataset"),
    path("datasets/<int:dataset_pk>/columns/", datasets.dataset_columns, name="dataset-columns"),
    path("clients/new/", clients.client_new, name="client-new"),
    path("clients/<int:client_pk>/", clients.client_detail, name="client"),
    path("clients/<int:client_pk>/rotate/", clients.client_rotate, name="client-rotate"),
    path("clients/<int:client_pk>/revoke/", clients.client_revoke, name="client-revoke"),
    path("lookup/", lookup.lookup, name="lookup"),
    path("files/new/", files.file_new, name="file-new"),
    path("files/<int:file_pk>/download/", files.file_download, name="file-download"),
    path("external/new/", files.external_new, name="external-new"),
]
