"""JSON view of a member's open loans."""
from django.http import JsonResponse
from django.shortcuts import get_object_or_404

from members.models import Member


def member_loans(request, member_id):
    member = get_object_or_404(Member, pk=member_id)
    loans = member.loans.open().select_related("book")
    return JsonResponse({"member": member.name,
                         "loans": [{"book": l.book.title, "due_on": l.due_on.isoformat()} for l in loans]})
