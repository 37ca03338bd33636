from heartdesk.cli import main

main()
