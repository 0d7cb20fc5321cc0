from django.contrib import admin
from django.urls import include, path

from chat import views as chat_views
from emails import views as email_views
from integrations import demo_context
from ratings import views as ratings_views
from whatsapp import demo as whatsapp_demo

urlpatterns = [
    path("", chat_views.home),
    path("admin/", admin.site.urls),
    path("console/", include("console.urls")),
    path("api/widget/v1/", include("proactive.urls")),
    path("api/widget/v1/", include("chat.api_urls")),
    path("api/v1/", include("integrations.api_urls")),
    path("api/widget/v1/contact/email", email_views.contact_email, name="widget_contact_email"),
    path("integrations/inbound-email/", email_views.inbound_email, name="inbound_email"),
    path(
        "integrations/mailbox/<int:support_address_id>/",
        email_views.mailbox_inbound,
        name="mailbox_inbound",
    ),
    path("widget/", chat_views.widget_page, name="widget"),
    # Each lazily loaded widget module's texts: /widget/files-texts, …/faq-texts and the others.
    *(
        path(
            f"widget/{module}-texts",
            chat_views.widget_module_texts,
            {"module": module},
            name=f"widget_{module}_texts",
        )
        for module in chat_views.WIDGET_MODULE_TEXTS
    ),
    path("demo/", chat_views.demo_page, name="demo"),
    path("demo/app/", chat_views.demo_app_page, name="demo_app"),
    path("demo/context-cards", demo_context.demo_context_cards, name="demo_context_cards"),
    path("files/<str:token>", chat_views.attachment_file, name="attachment_file"),
    path("rate/<str:token>/", ratings_views.rating_link, name="rating_link"),
    path("help/", include("faq.urls")),
    path("whatsapp/", include("whatsapp.urls")),
    path("demo/whatsapp/", whatsapp_demo.phone, name="whatsapp_demo_phone"),
    path("i18n/", include("django.conf.urls.i18n")),
]
