"""Step kinds as declared transitions: one module per step kind declares its actions (engine.cases.steps.declare)
and holds one small handler per action; engine.cases.steps.catalogue gathers them and answers what a work item
offers. Kept free of imports so that lower modules may import the declaration's shape."""
