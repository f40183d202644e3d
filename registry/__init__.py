"""registry: the district's register of koperasi, the tenants of Kopdig.

- ``Koperasi`` is the tenant: every koperasi-owned row elsewhere carries its id, and staff act
  inside one koperasi chosen in the URL (``/k/<code>/…``).
- ``RoleGrant`` says who may do what where: Dinas roles are district-wide, konsultan and staff
  roles name a koperasi. ``registry.access`` turns a request into the koperasi it may touch.
- The digital stage of each koperasi is history (``DigitalStageChange``), so the Dinas can count
  new digital koperasi against its yearly target.
- ``registry.demo`` builds the demo district (``kopdig demo``); other apps add demo steps in
  their own ``demo.py``.
"""
