"""The intake door (上报入口): every report channel's way into the queue (``submit``), the
handset's and web form's adapter (``views``), and the photo cleaner (``uploads``).

Everything a client sends is checked here before anything is stored; a bad report gets a 4xx
JSON error naming the field and leaves no trace. Imports cases, maps, accounts below it; never
the channels' apps (hotline, open311, field), which import it.
"""
