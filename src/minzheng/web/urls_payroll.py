"""Routes of the payroll pages (月度发放, 银行回盘) and the standards pages (救助标准, 提标)."""

from django.urls import URLPattern, path, re_path

from . import views_payroll

MONTH = r"(?P<month>[0-9]{4}-[0-9]{2})"

urlpatterns: list[URLPattern] = [
    path("payroll/", views_payroll.payroll_list, name="payroll_list"),
    path("payroll/run/", views_payroll.payroll_run, name="payroll_run"),
    re_path(rf"^payroll/{MONTH}/$", views_payroll.payroll_detail, name="payroll_detail"),
    re_path(rf"^payroll/{MONTH}/download/$", views_payroll.payroll_download, name="payroll_download"),
    re_path(rf"^payroll/{MONTH}/reconcile/$", views_payroll.payroll_reconcile, name="payroll_reconcile"),
    path("standards/", views_payroll.standards_list, name="standards_list"),
    path("standards/raise/", views_payroll.standards_raise, name="standards_raise"),
]
