"""What each CLI verb does, one module per area; ``ticketlab.ui.cli`` declares the verbs and imports these
only when one of their verbs runs."""
