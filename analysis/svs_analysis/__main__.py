from svs_analysis.cli import main

raise SystemExit(main())
