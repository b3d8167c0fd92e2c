"""The guardrails policy pack of the services' own stacks (`pulumi preview --policy-pack
policies/guard`). ``rules`` holds the rules as pure functions; ``pack`` wraps them for Pulumi's
policy SDK (the only module that imports ``pulumi_policy``); ``__main__`` is what the Pulumi
CLI runs."""
