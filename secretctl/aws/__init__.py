"""A lean AWS path for container start: SigV4 over http.client, and the credential sources
that matter in a container. Used only where it can serve exactly what boto3 would
(``settings.lean_settings``); everything else goes through boto3."""
