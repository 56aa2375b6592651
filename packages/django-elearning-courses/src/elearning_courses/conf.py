"""Settings of the courses app, read lazily from ``settings.ELEARNING_COURSES``.

Every attribute of :data:`app_settings` looks the value up at access time, so
``override_settings`` and per-site configuration work without reloads.
"""

from django.conf import settings

DEFAULTS = {
    # Template the app's pages extend: the app's standalone layout (the users app's
    # layout plus the course links and the notification bell), or a site's own base
    # template with the blocks title, content, extra_head and extra_js.
    "BASE_TEMPLATE": "elearning_courses/layouts/standalone.html",
    # Largest accepted course material upload, in bytes.
    "MATERIAL_MAX_BYTES": 20 * 1024 * 1024,
    # Accepted material file extensions (lower case, without the dot). Each must be
    # known to elearning_courses.materials.FILE_TYPES (which gives its content type and
    # the signature its content is checked against).
    "MATERIAL_EXTENSIONS": [
        "pdf",
        "txt",
        "md",
        "csv",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "zip",
        "docx",
        "xlsx",
        "pptx",
        "odt",
        "ods",
        "odp",
    ],
    # Where materials are stored: an alias of settings.STORAGES (object storage for a
    # site served by several machines, say). While the default alias is not defined in
    # STORAGES, and with None, materials go to a FileSystemStorage rooted at
    # settings.PRIVATE_MEDIA_ROOT (or <MEDIA_ROOT>/../private when that is unset),
    # without any public URL. The dotted path of a Storage class (instantiated without
    # arguments) is accepted too.
    "MATERIAL_STORAGE": "elearning_materials",
    # Folder, inside the material storage, that materials are stored in.
    "MATERIAL_UPLOAD_DIR": "elearning_courses/materials",
    # Largest accepted video upload of a video lesson (mp4 or webm), in bytes.
    "VIDEO_MAX_BYTES": 200 * 1024 * 1024,
    # Image lessons: largest upload in bytes, accepted formats (Pillow names), most
    # pixels (width x height) decoded, and the box the stored image is scaled down to.
    "LESSON_IMAGE_MAX_BYTES": 10 * 1024 * 1024,
    "LESSON_IMAGE_FORMATS": ["JPEG", "PNG", "GIF", "WEBP"],
    "LESSON_IMAGE_MAX_PIXELS": 40_000_000,
    "LESSON_IMAGE_MAX_SIZE": (1920, 1920),
    # Providers whose videos embed lessons may show (see elearning_courses.embeds).
    "EMBED_PROVIDERS": ["youtube", "vimeo"],
    # Folder, inside the site's default storage, that course cover images are stored in.
    "COVER_UPLOAD_DIR": "elearning_courses/covers",
    # Largest accepted cover upload, in bytes.
    "COVER_MAX_BYTES": 5 * 1024 * 1024,
    # Most pixels (width x height) a cover upload may decode to: a small file can
    # decode to a huge image.
    "COVER_MAX_PIXELS": 6000 * 4000,
    # Covers are re-encoded to fit in a COVER_SIZE x COVER_SIZE square (pixels),
    # keeping their proportions; the pages show them cropped to 16:9.
    "COVER_SIZE": 1200,
    # Courses per page in the catalog (pages and API use the site's page size).
    "CATALOG_PAGE_SIZE": 12,
    # Notifications per page on the notifications page.
    "NOTIFICATIONS_PAGE_SIZE": 20,
    # Course analytics: the days of chat activity shown (today and the days before),
    # also the window of the staff overview's message counts.
    "ANALYTICS_CHAT_DAYS": 30,
    # Courses per page of the staff's analytics overview.
    "ANALYTICS_PAGE_SIZE": 25,
    # Push new notifications to the recipient's open pages over the channel layer
    # (/ws/notifications/). Needs CHANNEL_LAYERS; without a layer nothing is pushed.
    "PUSH_NOTIFICATIONS": True,
    # Search inside courses (see elearning_courses.search). The PostgreSQL text search
    # configuration (stemming, stop words); None derives it from settings.LANGUAGE_CODE
    # (en: english, de: german, fr: french, es: spanish, others: simple). Changing it
    # needs `manage.py rebuild_search_index`.
    "SEARCH_CONFIG": None,
    # Courses per page of search results, and the best hits shown per course.
    "SEARCH_PAGE_SIZE": 10,
    "SEARCH_HITS_PER_COURSE": 3,
    # The most matching index entries a search ranks. A word found in more entries
    # (a word of most lessons) is ranked among the first SEARCH_MAX_MATCHES the index
    # gives, and the page and the API say that the results are cut; under the cap the
    # ranking is exact. Bounds the time of a request whatever the size of the site.
    "SEARCH_MAX_MATCHES": 1000,
}


class AppSettings:
    def __getattr__(self, name):
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown ELEARNING_COURSES setting: {name}")
        user_settings = getattr(settings, "ELEARNING_COURSES", {}) or {}
        return user_settings.get(name, DEFAULTS[name])


app_settings = AppSettings()
