"""Static files served by the process itself (the image has no nginx in front of it).

`collectstatic` writes hashed names and gzip copies
(`CompressedManifestStaticFilesStorage`, production only); WhiteNoise serves them, the hashed
ones with a year's `Cache-Control: immutable`. WhiteNoise's responses read files
synchronously: under ASGI Django would read them with a warning, so the file is read in a
worker thread and handed over as an asynchronous iterator, as Django's own
`ASGIStaticFilesHandler` does.
"""

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed names and gzip copies; the `import` statements of the JavaScript modules name
    the hashed files too, so that a module they load is cached as long as they are."""

    support_js_module_import_aggregation = True


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    def serve(self, static_file, request):
        response = super().serve(static_file, request)
        if isinstance(request, ASGIRequest) and response.streaming and not response.is_async:
            chunks = response.streaming_content

            async def read():
                for chunk in await sync_to_async(list, thread_sensitive=False)(chunks):
                    yield chunk

            response.streaming_content = read()
        return response
