"""python-for-android hook (buildozer.spec ``p4a.hook``): declare androidx's FileProvider in
the manifest, which neither buildozer nor p4a has an option for (``extra_manifest_xml`` goes
outside ``<application>``, ``extra_manifest_application_arguments`` into its attributes).

``after_apk_build`` runs in the dist dir once p4a has rendered ``src/main/AndroidManifest.xml``
and before gradle builds the APK. The authority is ``${applicationId}.fileprovider``: gradle
fills in the package, the camera (``platform/camera.py``) asks for package + AUTHORITY_SUFFIX.
"""

from pathlib import Path

MANIFEST = Path("src/main/AndroidManifest.xml")
PROVIDER = """
        <provider android:name="androidx.core.content.FileProvider"
                  android:authorities="${applicationId}.fileprovider"
                  android:exported="false"
                  android:grantUriPermissions="true">
            <meta-data android:name="android.support.FILE_PROVIDER_PATHS"
                       android:resource="@xml/file_paths" />
        </provider>
"""


def add_provider(text: str) -> str:
    """The manifest with the provider inside ``<application>``, once."""
    if "androidx.core.content.FileProvider" in text:
        return text
    head, sep, tail = text.rpartition("</application>")
    if not sep:
        raise SystemExit("AndroidManifest.xml has no </application>: p4a's template changed")
    return head + PROVIDER + sep + tail


def after_apk_build(toolchain) -> None:
    MANIFEST.write_text(add_provider(MANIFEST.read_text()))
