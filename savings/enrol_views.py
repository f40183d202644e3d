"""Registering a member from the Anggota page: the same member as joining at the counter.

The form is the members app's; the write is :func:`savings.services.member_enrol`, which opens
the accounts new members get and charges the simpanan pokok, to be paid at the counter. It
lives here, not in ``members``, because the members app sits below savings and may not use it.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.dates import business_date
from members import selectors as member_selectors
from members.forms import MemberForm
from members.services import MemberError
from members.views import WRITERS, apply_errors, page_context, warn_checks
from registry.access import koperasi_view
from savings import services


@koperasi_view(*WRITERS)
def member_register(request: HttpRequest) -> HttpResponse:
    koperasi = request.koperasi  # type: ignore[attr-defined]
    today = business_date(koperasi)
    form = MemberForm(request.POST or None, koperasi=koperasi, initial={"join_date": today})
    if request.method == "POST" and form.is_valid():
        try:
            result = services.member_enrol(
                koperasi=koperasi, actor=request.user, **form.service_kwargs()
            )
        except MemberError as exc:
            apply_errors(form, exc)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            member = result.member
            messages.success(
                request,
                _("%(name)s terdaftar sebagai anggota nomor %(number)s.")
                % {"name": member.full_name, "number": member.number},
            )
            warn_checks(request, result.warnings)
            return redirect("members:detail", kode=koperasi.code, member_id=member.pk)
    return render(
        request,
        "members/form.html",
        page_context(
            request,
            form=form,
            title=_("Daftarkan anggota baru"),
            next_number=member_selectors.next_number_preview(koperasi=koperasi),
        ),
        status=200 if not form.errors else 400,
    )
