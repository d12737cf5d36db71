from neurotui.cli import main

raise SystemExit(main())
