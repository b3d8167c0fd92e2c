"""Secret storage behind one small interface (``base.Store``); one backend per file."""
