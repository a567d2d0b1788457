"""Posts: gathering reports (referat) and network news, with photos and attachments;
Markdown rendering and sanitising; the Atom feeds."""
