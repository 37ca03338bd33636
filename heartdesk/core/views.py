from django.contrib import messages
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from heartdesk.core.errors import DomainError
from heartdesk.core.forms import add_domain_error


@require_GET
@never_cache
def healthz(request):
    """Unauthenticated liveness and database check for load balancers and `make run`."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure is "unhealthy", never a 500 page
        return JsonResponse({"status": "error", "database": str(exc)[:200]}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


def list_edit_page(request, *, model, pk, form_class, initial, save, delete, list_name, template, label, context=None):
    """A list of small records with a form to add one or edit the one `pk` names (escalation rules, canned
    responses): `save(obj, form)` and `delete(obj)` are the services; their errors go beside the fields."""
    obj = get_object_or_404(model, pk=pk) if pk else None
    if request.method == "POST" and "delete" in request.POST and obj:
        delete(obj)
        messages.success(request, f"{label} deleted.")
        return redirect(list_name)
    form = form_class(request.POST or None, initial=initial(obj) if obj else None)
    if request.method == "POST" and form.is_valid():
        try:
            save(obj, form)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"{label} saved.")
            return redirect(list_name)
    rows = model.objects.all()
    return render(request, template, {"form": form, "obj": obj, "rows": rows, **(context or {})})


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says; send them to our static icon."""
    from django.http import HttpResponsePermanentRedirect
    from django.templatetags.static import static

    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
