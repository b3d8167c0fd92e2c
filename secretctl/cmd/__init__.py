"""One thin file per subcommand: parse, call the library function, print, exit status."""
