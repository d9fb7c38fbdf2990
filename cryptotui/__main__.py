from cryptotui.commands import main

raise SystemExit(main())
