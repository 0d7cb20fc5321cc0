from django.contrib import admin

from .models import Rating


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["conversation", "score", "comment", "created_at", "updated_at"]
    list_filter = ["score", "created_at", "conversation__topic", "conversation__team"]
    # Counts next to each score: the distribution at a glance, for any filter.
    show_facets = admin.ShowFacets.ALWAYS
    date_hierarchy = "created_at"
    search_fields = ["comment", "conversation__contact__name", "conversation__contact__email"]
    list_select_related = ["conversation"]
    raw_id_fields = ["conversation"]
    readonly_fields = ["created_at", "updated_at"]
