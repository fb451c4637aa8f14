"""`newsdesk mirror DIR`: the whole public site as static files, kept current with --watch."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from newsdesk.site.mirror import Mirror, MirrorError
from newsdesk.site.mirror.index import MirrorIndex
from newsdesk.site.mirror.watch import LogWatcher


class Command(BaseCommand):
    help = (
        "Write the whole public site into DIR as static files (stories, lists at every depth, "
        "feeds, sitemaps, robots.txt, static files and pictures) for any static host: another "
        "domain, an onion service, object storage. Run again to bring it up to date (only "
        "changed files are written); --watch keeps it current from the purge log. "
        "docs/operations.md, 'Static mirror'."
    )

    def add_arguments(self, parser):
        parser.add_argument("dir", help="The mirror's folder: new, empty, or an earlier mirror.")
        parser.add_argument(
            "--base-url",
            help="Where the mirror is served (https://mirror.example.org): canonical links, "
            "feeds and sitemaps point there. Default: NEWSDESK_MIRROR_BASE_URL, or the origin "
            "(NEWSDESK_SITE_URL), so that they keep pointing at the origin.",
        )
        parser.add_argument(
            "--comments",
            choices=["link", "origin"],
            help="link (default): 'Comment on this story at <origin>'. origin: the comment "
            "links lead to the origin's comment form.",
        )
        parser.add_argument(
            "--watch",
            action="store_true",
            help="After the export, keep the mirror current from the purge log until stopped.",
        )
        parser.add_argument(
            "--jobs", type=int, default=1, help="Processes rendering the export (default 1)."
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="--watch: seconds between looks."
        )

    def handle(self, *args, dir, base_url, comments, watch, jobs, interval, verbosity, **options):
        if jobs < 1:
            raise CommandError("--jobs must be at least 1.")
        if watch and not settings.NEWSDESK_PURGE_LOG:
            raise CommandError(
                "--watch follows the purge log, which a site with Redis does not keep (its "
                "purge marks live in Redis). Set NEWSDESK_MIRROR_DIR to this folder instead: "
                "the task workers then keep the mirror current."
            )
        before = {}
        if MirrorIndex.exists_in(dir):
            index = MirrorIndex(dir)
            before = {"base_url": index.meta("base_url"), "comments": index.meta("comments")}
            index.close()
        try:
            mirror = Mirror.prepare(dir, base_url=base_url, comments=comments)
        except MirrorError as error:
            raise CommandError(str(error)) from None
        changed = before != {"base_url": mirror.base_url, "comments": mirror.comments}
        if not watch or not mirror.exported or changed:
            self._export(mirror, jobs=jobs, verbosity=verbosity)
        if watch:
            self.stdout.write(f"Watching {settings.NEWSDESK_PURGE_LOG} (Ctrl-C to stop).")
            try:
                LogWatcher(mirror, settings.NEWSDESK_PURGE_LOG).run(interval=interval)
            except KeyboardInterrupt:
                self.stdout.write("Stopped.")

    def _export(self, mirror: Mirror, *, jobs: int, verbosity: int) -> None:
        self.stdout.write(
            f"Exporting the site to {mirror.folder} (base URL {mirror.base_url}, comments: "
            f"{mirror.comments}) ..."
        )
        shown = [0]

        def progress(report):
            done = report.written_count + report.unchanged
            if verbosity >= 1 and done >= shown[0] + 10_000:
                shown[0] = done - done % 10_000
                self.stdout.write(f"  {done:,} files")

        try:
            report = mirror.export(jobs=jobs, detail=False, progress=progress)
        except MirrorError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{report.written_count:,} file(s) written, {report.unchanged:,} unchanged, "
            f"{report.deleted_count:,} deleted, in {report.seconds:.1f} s."
        )
        if report.missing:
            self.stderr.write(
                f"Pages use {len(report.missing)} file(s) the site does not have (run "
                f"`newsdesk collectstatic`?): {', '.join(sorted(report.missing)[:10])}"
            )
