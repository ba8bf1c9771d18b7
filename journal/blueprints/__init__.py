"""The app's blueprints, one package each; ``journal.BLUEPRINTS`` lists them."""
