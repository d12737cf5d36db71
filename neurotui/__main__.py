from neurotui.cli import main

if __name__ == "__main__":  # imported (not run) by the warm parent of served tabs, to load the program once
    raise SystemExit(main())
