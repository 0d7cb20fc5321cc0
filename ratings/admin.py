from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from support.admin import ConversationAdmin
from support.models import Conversation

from . import selectors
from .models import Rating


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["conversation", "resolved_at", "score", "comment", "created_at", "updated_at"]
    list_filter = ["score", "created_at", "conversation__topic", "conversation__team"]
    # Counts next to each score: the distribution at a glance, for any filter.
    show_facets = admin.ShowFacets.ALWAYS
    date_hierarchy = "created_at"
    search_fields = ["comment", "conversation__contact__name", "conversation__contact__email"]
    list_select_related = ["conversation"]
    raw_id_fields = ["conversation"]
    # Which resolution a rating rates is the visitor's doing, not an editor's.
    readonly_fields = ["resolved_at", "current_for", "created_at", "updated_at"]

    def has_add_permission(self, request) -> bool:
        # Visitors rate a resolution; a rating typed in here would rate none.
        return False


@admin.display(description=_("rating"), ordering="rating__score")
def rating_score(conversation: Conversation) -> str:
    rating = selectors.rating_for_conversation(conversation=conversation)
    return rating.stars if rating else "—"


# The conversations' admin is support's; the rating column is this app's.
ConversationAdmin.list_display = [*ConversationAdmin.list_display, rating_score]
