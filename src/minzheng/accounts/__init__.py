"""Users, roles and jurisdictions; the access layer every view, API and export goes through."""
