from cryptotui.cli import main

raise SystemExit(main())
