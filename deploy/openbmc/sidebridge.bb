# OpenBMC / Yocto recipe for sidebridge.
#
# Add to an image: put this file and sidebridge-crates.inc in a layer,
# e.g. meta-<machine>/recipes-phosphor/sidebridge/, then IMAGE_INSTALL:append = " sidebridge"
# in the machine's local.conf or image bbappend. See the README, "OpenBMC".
SUMMARY = "NC-SI to Redfish bridge for the server's DPUs, IPUs and smart NICs"
HOMEPAGE = "https://example.invalid/sidebridge"
LICENSE = "Apache-2.0"
# The license line of the workspace manifest (md5 of that one line).
LIC_FILES_CHKSUM = "file://Cargo.toml;beginline=8;endline=8;md5=2507bd5f0713f05419cd2f22fa06fe62"

SRC_URI = "git://example.invalid/sidebridge.git;protocol=https;branch=main"
SRCREV = "${AUTOREV}"
S = "${WORKDIR}/git"

# Crate sources fetched by bitbake, committed next to this file and kept equal to
# Cargo.lock by tests/deploy.rs: regenerate with `python3 deploy/openbmc/update-crates.py`
# (poky's `bitbake -c update_crates sidebridge` writes the same, but also lists the fuzz
# crates' own lockfiles, which the recipe never builds).
require ${BPN}-crates.inc

inherit cargo cargo-update-recipe-crates systemd

# Build the daemon only, with the size-optimised profile (opt-level z, LTO, one codegen
# unit, panic=abort, stripped): the binary must fit the BMC's flash.
# poky's cargo class passes BUILD_MODE to cargo and installs from target/<triple>/BUILD_DIR.
BUILD_MODE = "--profile min"
BUILD_DIR = "min"
# --no-default-features leaves out the `demo` feature (the simulator); `dbus` puts the
# cards on D-Bus (zbus, pure Rust: no libdbus or libsystemd to DEPEND on).
CARGO_BUILD_FLAGS += "-p sidebridge --bin sidebridge --no-default-features --features dbus"
# No OpenSSL, no aws-lc: TLS is rustls with the ring provider, which builds with gcc
# alone, so the recipe needs no extra DEPENDS.

# One recipe, three packages: the binary, and one unit with its configuration for
# each side. A platform BMC image installs sidebridge-platform (the daemon that
# manages the cards); a card BMC image (DPU/IPU/smart NIC) installs sidebridge-agent.
PACKAGES =+ "${PN}-platform ${PN}-agent"
RDEPENDS:${PN}-platform = "${PN}"
RDEPENDS:${PN}-agent = "${PN}"

SYSTEMD_PACKAGES = "${PN}-platform ${PN}-agent"
SYSTEMD_SERVICE:${PN}-platform = "sidebridge.service"
SYSTEMD_SERVICE:${PN}-agent = "sidebridge-agent.service"
SYSTEMD_AUTO_ENABLE = "enable"

do_install:append() {
    install -d ${D}${systemd_system_unitdir} ${D}${sysconfdir}/sidebridge
    install -m 0644 ${S}/deploy/sidebridge.service ${D}${systemd_system_unitdir}/
    # On D-Bus: its policy (anyone reads, root and priv-admin change a card) and the
    # drop-in that makes the unit Type=dbus.
    install -d ${D}${datadir}/dbus-1/system.d ${D}${systemd_system_unitdir}/sidebridge.service.d
    install -m 0644 ${S}/deploy/dbus/xyz.openbmc_project.Sidebridge.conf ${D}${datadir}/dbus-1/system.d/
    install -m 0644 ${S}/deploy/dbus/sidebridge-dbus.conf ${D}${systemd_system_unitdir}/sidebridge.service.d/dbus.conf
    # The netlink example suits images whose kernel drives NC-SI (most OpenBMC
    # machines); change it to raw.toml, card-bmc.toml or satellite.toml as the machine
    # needs.
    install -m 0644 ${S}/deploy/config/netlink.toml ${D}${sysconfdir}/sidebridge/sidebridge.toml
    install -m 0644 ${S}/deploy/agent/sidebridge-agent.service ${D}${systemd_system_unitdir}/
    install -m 0644 ${S}/deploy/agent/agent.toml ${D}${sysconfdir}/sidebridge/agent.toml
}

FILES:${PN} = "${bindir}/sidebridge"
FILES:${PN}-platform = "${systemd_system_unitdir}/sidebridge.service ${sysconfdir}/sidebridge/sidebridge.toml \
    ${systemd_system_unitdir}/sidebridge.service.d/dbus.conf \
    ${datadir}/dbus-1/system.d/xyz.openbmc_project.Sidebridge.conf"
FILES:${PN}-agent = "${systemd_system_unitdir}/sidebridge-agent.service ${sysconfdir}/sidebridge/agent.toml"
CONFFILES:${PN}-platform = "${sysconfdir}/sidebridge/sidebridge.toml"
CONFFILES:${PN}-agent = "${sysconfdir}/sidebridge/agent.toml"
