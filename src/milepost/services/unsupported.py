"""Leantime methods of the Tickets, Projects, Users, Api and Menu domains that Milepost
does not have.

Each answers -32601 with `data.reason` "not_supported" and a detail saying why and, where
there is one, what to call instead; none pretends to work. They fall in three groups:
web-UI view models, helpers and session state with no meaning over an API (the last
board visited, menu dialogs and menu state, dashboard cards, the "current project", the
API key form, static assets), features Milepost lacks
(outgoing e-mail and chat messages, invitations, LDAP, avatars and other images,
appearance and locale settings), and Leantime 3.8 internals that 3.9 no longer serves.

Every param is optional and typed loosely, so that any call gets the same answer: the
methods are listed under Leantime's names and params, and `docs/methods.md` marks them
not_supported.
"""

from __future__ import annotations

from typing import Any

from milepost.services.errors import NotSupported
from milepost.services.operations import Context, operation

_SESSION = (
    "Milepost keeps no web session for API calls, so there is no {what}; pass the project"
    " (or ticket) to each call instead"
)
_VIEW_MODEL = "a view model of Leantime's web pages with no meaning over an API"
_MESSENGERS = (
    "Milepost sends no chat messages (Slack, Mattermost, Zulip, Telegram, Discord);"
    " subscribe to events with Webhooks.Webhooks.create instead"
)
_NO_MAIL = "Milepost sends no e-mail"
_INVITES = (
    "invitations are e-mailed links and Milepost sends no e-mail; create the person with"
    " Users.Users.addUser (with a password) instead"
)
_IMAGES = "Milepost renders no avatars or profile pictures"
_LDAP = "Milepost has no LDAP directory connection"
_UI_STATE = "{what} is state of Leantime's web pages, which Milepost does not keep"
_PAGE_HELPER = "{what} is a helper of Leantime's web pages with no meaning over an API"


# -- Tickets ---------------------------------------------------------------------------


@operation("Tickets.Tickets.getLastTicketViewUrl")
def get_last_ticket_view_url(ctx: Context) -> None:
    """Not supported: the web UI's last visited ticket view is session state."""
    raise NotSupported(_SESSION.format(what="last visited ticket view"))


@operation("Tickets.Tickets.getLastTimelineViewUrl", legacy=True)
def get_last_timeline_view_url(ctx: Context) -> None:
    """Not supported: the web UI's last visited timeline view is session state."""
    raise NotSupported(_SESSION.format(what="last visited timeline view"))


@operation("Tickets.Tickets.getProgramTicketTemplateAssignments")
def get_program_ticket_template_assignments(
    ctx: Context,
    params: Any = None,
    programId: Any = None,
    childIds: Any = None,
    availableProjects: Any = None,
) -> None:
    """Not supported: the program board's column layout, a web-UI view model."""
    raise NotSupported(f"getProgramTicketTemplateAssignments is {_VIEW_MODEL}")


@operation("Tickets.Tickets.getTicketTemplateAssignments", legacy=True)
def get_ticket_template_assignments(ctx: Context, params: Any = None) -> None:
    """Not supported: the ticket board's column layout, a web-UI view model."""
    raise NotSupported(f"getTicketTemplateAssignments is {_VIEW_MODEL}")


@operation("Tickets.Tickets.getToDoWidgetAssignments", legacy=True)
def get_to_do_widget_assignments(ctx: Context, params: Any = None) -> None:
    """Not supported: the dashboard's to-do widget, a web-UI view model. Read open work
    with getOpenUserTicketsThisWeekAndLater."""
    raise NotSupported(f"getToDoWidgetAssignments is {_VIEW_MODEL}")


@operation("Tickets.Tickets.getToDoWidgetHierarchicalAssignments", legacy=True)
def get_to_do_widget_hierarchical_assignments(ctx: Context, params: Any = None) -> None:
    """Not supported: the dashboard's to-do widget, a web-UI view model."""
    raise NotSupported(f"getToDoWidgetHierarchicalAssignments is {_VIEW_MODEL}")


@operation("Tickets.Tickets.goalsRelatedToWork", legacy=True)
def goals_related_to_work(ctx: Context, userId: Any = None, projectId: Any = None) -> None:
    """Not supported: the dashboard's goal widget, a web-UI view model. Read goals with
    Goalcanvas.Goalcanvas.getCanvasItemsById."""
    raise NotSupported(f"goalsRelatedToWork is {_VIEW_MODEL}")


@operation("Tickets.Tickets.prepareTicketDates", legacy=True)
def prepare_ticket_dates(ctx: Context, values: Any = None) -> None:
    """Not supported: an internal step of Leantime's ticket forms; Milepost's ticket
    methods read dates themselves."""
    raise NotSupported("prepareTicketDates is an internal step of Leantime's ticket forms")


@operation("Tickets.Tickets.prepareTicketSearchArray", legacy=True)
def prepare_ticket_search_array(ctx: Context, searchParams: Any = None) -> None:
    """Not supported: an internal step of Leantime's board pages; send the search
    criteria to getAll directly."""
    raise NotSupported("prepareTicketSearchArray is an internal step of Leantime's board pages")


# -- Projects --------------------------------------------------------------------------


@operation("Projects.Projects.changeCurrentSessionProject")
def change_current_session_project(ctx: Context, projectId: Any = None) -> None:
    """Not supported: Milepost keeps no current project between calls."""
    raise NotSupported(_SESSION.format(what="current project"))


@operation("Projects.Projects.setCurrentProject", legacy=True)
def set_current_project(ctx: Context) -> None:
    """Not supported: Milepost keeps no current project between calls."""
    raise NotSupported(_SESSION.format(what="current project"))


@operation("Projects.Projects.getCurrentProjectId", legacy=True)
def get_current_project_id(ctx: Context) -> None:
    """Not supported: Milepost keeps no current project between calls."""
    raise NotSupported(_SESSION.format(what="current project"))


@operation("Projects.Projects.resetCurrentProject", legacy=True)
def reset_current_project(ctx: Context) -> None:
    """Not supported: Milepost keeps no current project between calls."""
    raise NotSupported(_SESSION.format(what="current project"))


@operation("Projects.Projects.notifyProjectUsers")
def notify_project_users(ctx: Context, notification: Any = None) -> None:
    """Not supported: Leantime e-mails and messages a project's members. Milepost sends
    neither; Notifications.Notifications.addNotifications writes in-app notifications."""
    raise NotSupported(f"{_NO_MAIL} or chat messages; use addNotifications for the inbox")


@operation("Projects.Projects.notifyProjectCreated")
def notify_project_created(
    ctx: Context, projectId: Any = None, projectName: Any = None, authorName: Any = None
) -> None:
    """Not supported: Leantime e-mails the company about a new project; Milepost sends
    no e-mail (subscribe to project.created with a webhook)."""
    raise NotSupported(f"{_NO_MAIL}; subscribe to project.created with a webhook instead")


@operation("Projects.Projects.editProjectAndNotify")
def edit_project_and_notify(  # noqa: PLR0917 - Leantime's signature
    ctx: Context,
    values: Any = None,
    projectId: Any = None,
    project: Any = None,
    currentUrl: Any = None,
    authorId: Any = None,
    authorName: Any = None,
) -> None:
    """Not supported: the notifying half sends e-mail. Edit with Projects.editProject or
    Projects.patchProject; webhooks announce the change."""
    raise NotSupported(f"{_NO_MAIL}; edit with editProject or patchProject instead")


@operation("Projects.Projects.getMuteCountForProject")
def get_mute_count_for_project(ctx: Context, projectId: Any = None) -> None:
    """Not supported: Milepost has no per-project muting of notifications."""
    raise NotSupported("Milepost has no per-project muting of notifications")


@operation("Projects.Projects.getProjectAvatar")
def get_project_avatar(ctx: Context, id: Any = None) -> None:
    """Not supported: project avatars are rendered images."""
    raise NotSupported(_IMAGES)


@operation("Projects.Projects.setProjectAvatar", legacy=True)
def set_project_avatar(ctx: Context, file: Any = None, projectId: Any = None) -> None:
    """Not supported: project avatars are rendered images."""
    raise NotSupported(_IMAGES)


@operation("Projects.Projects.getProjectHubData")
def get_project_hub_data(ctx: Context, userId: Any = None, clientId: Any = None) -> None:
    """Not supported: the project hub page, a web-UI view model. Read the projects with
    getProjectsAssignedToUser and their progress with getProjectProgress."""
    raise NotSupported(f"getProjectHubData is {_VIEW_MODEL}")


@operation("Projects.Projects.getProjectCardData")
def get_project_card_data(ctx: Context, projectId: Any = None) -> None:
    """Not supported: a project card of the hub page, a web-UI view model. Read the
    project with getProject and its progress with getProjectProgress."""
    raise NotSupported(f"getProjectCardData is {_VIEW_MODEL}")


@operation("Projects.Projects.getProjectSetupChecklist", legacy=True)
def get_project_setup_checklist(ctx: Context, projectId: Any = None) -> None:
    """Not supported: the onboarding checklist of Leantime's project page."""
    raise NotSupported(f"getProjectSetupChecklist is {_VIEW_MODEL}")


@operation("Projects.Projects.updateProjectProgress", legacy=True)
def update_project_progress(ctx: Context, stepsComplete: Any = None, projectId: Any = None) -> None:
    """Not supported: the onboarding checklist of Leantime's project page."""
    raise NotSupported(f"updateProjectProgress is {_VIEW_MODEL}")


@operation("Projects.Projects.saveMattermostWebhook")
def save_mattermost_webhook(ctx: Context, projectId: Any = None, webhookUrl: Any = None) -> None:
    """Not supported: Milepost sends no chat messages; use Webhooks.Webhooks.create."""
    raise NotSupported(_MESSENGERS)


@operation("Projects.Projects.saveSlackWebhook")
def save_slack_webhook(ctx: Context, projectId: Any = None, webhookUrl: Any = None) -> None:
    """Not supported: Milepost sends no chat messages; use Webhooks.Webhooks.create."""
    raise NotSupported(_MESSENGERS)


@operation("Projects.Projects.saveZulipWebhook")
def save_zulip_webhook(ctx: Context, projectId: Any = None, hookData: Any = None) -> None:
    """Not supported: Milepost sends no chat messages; use Webhooks.Webhooks.create."""
    raise NotSupported(_MESSENGERS)


@operation("Projects.Projects.saveTelegramWebhook")
def save_telegram_webhook(ctx: Context, projectId: Any = None, hookData: Any = None) -> None:
    """Not supported: Milepost sends no chat messages; use Webhooks.Webhooks.create."""
    raise NotSupported(_MESSENGERS)


@operation("Projects.Projects.saveDiscordWebhooks")
def save_discord_webhooks(ctx: Context, projectId: Any = None, postData: Any = None) -> None:
    """Not supported: Milepost sends no chat messages; use Webhooks.Webhooks.create."""
    raise NotSupported(_MESSENGERS)


@operation("Projects.Projects.getProjectIntegrationSettings")
def get_project_integration_settings(ctx: Context, projectId: Any = None) -> None:
    """Not supported: Milepost sends no chat messages, so a project has no messenger
    settings; list webhook subscriptions with Webhooks.Webhooks.getAll."""
    raise NotSupported(_MESSENGERS)


# -- Users -----------------------------------------------------------------------------


@operation("Users.Users.getProfilePicture")
def get_profile_picture(ctx: Context, id: Any = None) -> None:
    """Not supported: profile pictures are rendered images."""
    raise NotSupported(_IMAGES)


@operation("Users.Users.setProfilePicture", legacy=True)
def set_profile_picture(ctx: Context, photo: Any = None, id: Any = None) -> None:
    """Not supported: profile pictures are rendered images."""
    raise NotSupported(_IMAGES)


@operation("Users.Users.saveModalDismissal")
def save_modal_dismissal(ctx: Context, modalKey: Any = None, permanent: Any = None) -> None:
    """Not supported: which help dialogs a person closed is web-UI state."""
    raise NotSupported(f"saveModalDismissal is {_VIEW_MODEL}")


@operation("Users.Users.getMyDaySchedule")
def get_my_day_schedule(ctx: Context) -> None:
    """Not supported: the dashboard's day planner, a web-UI view model. Read the day with
    Calendar.Calendar.getMyCalendar and Tickets.Tickets.getScheduledTasks."""
    raise NotSupported(f"getMyDaySchedule is {_VIEW_MODEL}; use getMyCalendar")


@operation("Users.Users.getNotificationPreferences")
def get_notification_preferences(ctx: Context, userId: Any = None) -> None:
    """Not supported: the preferences choose which e-mails Leantime sends; Milepost sends
    none."""
    raise NotSupported(f"{_NO_MAIL}, so there are no e-mail preferences")


@operation("Users.Users.saveOwnNotificationPreferences")
def save_own_notification_preferences(ctx: Context, userId: Any = None, post: Any = None) -> None:
    """Not supported: the preferences choose which e-mails Leantime sends; Milepost sends
    none."""
    raise NotSupported(f"{_NO_MAIL}, so there are no e-mail preferences")


@operation("Users.Users.saveOwnAppearanceSettings")
def save_own_appearance_settings(ctx: Context, userId: Any = None, post: Any = None) -> None:
    """Not supported: Milepost's web pages have no themes or colour schemes to choose."""
    raise NotSupported("Milepost's web pages have no themes or colour schemes to choose")


@operation("Users.Users.saveOwnLocaleSettings")
def save_own_locale_settings(ctx: Context, userId: Any = None, post: Any = None) -> None:
    """Not supported: Milepost answers dates in UTC and keeps no language, time zone or
    date format per person."""
    raise NotSupported("Milepost keeps no language, time zone or date format per person")


@operation("Users.Users.createUserInvite")
def create_user_invite(ctx: Context, values: Any = None) -> None:
    """Not supported: an invitation is an e-mailed link; create the person with
    Users.Users.addUser instead."""
    raise NotSupported(_INVITES)


@operation("Users.Users.inviteNewUser")
def invite_new_user(
    ctx: Context, post: Any = None, sessionClientId: Any = None, isManager: Any = None
) -> None:
    """Not supported: an invitation is an e-mailed link; create the person with
    Users.Users.addUser instead."""
    raise NotSupported(_INVITES)


@operation("Users.Users.resendUserInvite")
def resend_user_invite(ctx: Context, id: Any = None, row: Any = None) -> None:
    """Not supported: an invitation is an e-mailed link; create the person with
    Users.Users.addUser instead."""
    raise NotSupported(_INVITES)


@operation("Users.Users.sendUserInvite", legacy=True)
def send_user_invite(ctx: Context, inviteCode: Any = None, user: Any = None) -> None:
    """Not supported: an invitation is an e-mailed link; create the person with
    Users.Users.addUser instead."""
    raise NotSupported(_INVITES)


@operation("Users.Users.fetchLdapMembers")
def fetch_ldap_members(ctx: Context, bindUsername: Any = None, password: Any = None) -> None:
    """Not supported: Milepost has no LDAP directory connection."""
    raise NotSupported(_LDAP)


@operation("Users.Users.importSelectedLdapUsers")
def import_selected_ldap_users(
    ctx: Context, stagedUsers: Any = None, selectedUsernames: Any = None
) -> None:
    """Not supported: Milepost has no LDAP directory connection."""
    raise NotSupported(_LDAP)


# -- Api -------------------------------------------------------------------------------


@operation("Api.Api.getAPIKeyUser")
def get_api_key_user(ctx: Context, apiKey: Any = None) -> None:
    """Not supported: Leantime's own step of checking a key. Milepost checks the key of
    every call and does not look keys up by their secret; Auth.Auth.getUserId names the
    caller."""
    raise NotSupported(
        "Milepost checks the key of every call itself and looks up no key by its secret;"
        " Auth.Auth.getUserId answers who the caller is"
    )


@operation("Api.Api.getApiKeyFormValues")
def get_api_key_form_values(ctx: Context, id: Any = None) -> None:
    """Not supported: the API key form of Leantime's settings page, a web-UI view model.
    Read keys with getAPIKeys and a key's projects with getProjectRelationIds."""
    raise NotSupported(f"getApiKeyFormValues is {_VIEW_MODEL}; use getAPIKeys")


@operation("Api.Api.getAllProjects")
def get_all_projects(ctx: Context) -> None:
    """Not supported: the project choices of the API key form, a web-UI view model. List
    projects with Projects.Projects.getAll."""
    raise NotSupported(f"getAllProjects is {_VIEW_MODEL}; use Projects.Projects.getAll")


@operation("Api.Api.getUserStatusOptions")
def get_user_status_options(ctx: Context) -> None:
    """Not supported: the status choices of the API key form, a web-UI view model."""
    raise NotSupported(f"getUserStatusOptions is {_VIEW_MODEL}")


@operation("Api.Api.generateFormToken")
def generate_form_token(ctx: Context) -> None:
    """Not supported: the anti-forgery token of Leantime's web forms; API calls carry
    their key or token instead."""
    raise NotSupported(_PAGE_HELPER.format(what="generateFormToken"))


@operation("Api.Api.randomStr")
def random_str(ctx: Context, length: Any = None, keyspace: Any = None) -> None:
    """Not supported: a random-string helper of Leantime's web pages; make random
    strings in the client."""
    raise NotSupported(_PAGE_HELPER.format(what="randomStr"))


@operation("Api.Api.jsonResponse")
def json_response(ctx: Context, id: Any = None, result: Any = None) -> None:
    """Not supported: Leantime's internal writer of JSON-RPC answers."""
    raise NotSupported(_PAGE_HELPER.format(what="jsonResponse"))


@operation("Api.Api.getCaseCorrectPathFromManifest")
def get_case_correct_path_from_manifest(ctx: Context, filepath: Any = None) -> None:
    """Not supported: a lookup of the static files of Leantime's web pages."""
    raise NotSupported(_PAGE_HELPER.format(what="getCaseCorrectPathFromManifest"))


@operation("Api.Api.resolveStaticAsset")
def resolve_static_asset(ctx: Context, pathInfo: Any = None, debug: Any = None) -> None:
    """Not supported: a lookup of the static files of Leantime's web pages."""
    raise NotSupported(_PAGE_HELPER.format(what="resolveStaticAsset"))


@operation("Api.Api.setSubmenuState")
def set_submenu_state(ctx: Context, submenu: Any = None, state: Any = None) -> None:
    """Not supported: whether a submenu is open is web-UI state."""
    raise NotSupported(_UI_STATE.format(what="a submenu's open or closed state"))


@operation("Api.Api.setMainMenuState")
def set_main_menu_state(ctx: Context, state: Any = None) -> None:
    """Not supported: whether the main menu is open is web-UI state."""
    raise NotSupported(_UI_STATE.format(what="the main menu's open or closed state"))


@operation("Api.Api.setTourActive")
def set_tour_active(ctx: Context, tourActive: Any = None) -> None:
    """Not supported: whether the guided tour runs is web-UI state."""
    raise NotSupported(_UI_STATE.format(what="the guided tour"))


# -- Menu ------------------------------------------------------------------------------


@operation("Menu.Menu.getProjectSelectorViewData")
def get_project_selector_view_data(
    ctx: Context,
    userId: Any = None,
    projectSelectFilter: Any = None,
    currentRoute: Any = None,
    requestUri: Any = None,
) -> None:
    """Not supported: the project selector of Leantime's menu, a web-UI view model. List
    the caller's projects with Projects.Projects.getProjectsAssignedToUser."""
    raise NotSupported(
        f"getProjectSelectorViewData is {_VIEW_MODEL}; use getProjectsAssignedToUser"
    )
