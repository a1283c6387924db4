"""``python -m dx_assess …`` runs the ``dx-assess`` command (how report jobs are started)."""

from dx_assess.cli.main import main

if __name__ == "__main__":
    main()
