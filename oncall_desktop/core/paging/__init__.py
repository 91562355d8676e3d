"""Who gets paged and how a page lives: rules, maintenance, the ack state machine, SLA clocks."""
