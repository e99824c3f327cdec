from course.cli.main import main

raise SystemExit(main())
