//! Networks, checked by what containers on them can then do: reach each other by name and
//! alias, not reach across networks, lose each other on disconnect, find no route out of
//! an internal network, hold a fixed address.

use std::io::Write;

use wharf::container::{ContainerSpec, HostSpec, RemoveOptions};
use wharf::network::{EndpointSpec, IpamPool, Network, NetworkSpec};
use wharf::{Container, ErrorKind, Filters};
use wharf_tests::engine::{engine, exit_code, test_image, Engine, Flavor, Scope, SCOPE_LABEL};

/// Says on stderr how this engine differs, for the test log.
fn say(engine: &Engine, what: &str) {
    let _ = writeln!(std::io::stderr(), "{engine}: {what}");
}

/// A subnet unlikely to be another test's: its third byte from the process id and `n`.
/// Docker 28 runs without its own firewall rules (`--iptables=false`), and the host
/// forwards for it only 10.28.0.0/15 (`cargo xtask engine up docker-28`); the others take
/// 10.231.0.0/16.
fn subnet(engine: &Engine, n: u8) -> (String, String) {
    let third = (std::process::id() as u8)
        .wrapping_mul(7)
        .wrapping_add(n.wrapping_mul(31))
        | 0x80;
    let base = if engine.docker_major() == Some(28) {
        "10.28"
    } else {
        "10.231"
    };
    (format!("{base}.{third}.0/24"), format!("{base}.{third}."))
}

fn scope_filter(scope: &Scope) -> Filters {
    Filters::new().label(format!("{SCOPE_LABEL}={}", scope.labels()[SCOPE_LABEL]))
}

async fn create_network(engine: &Engine, scope: &Scope, spec: NetworkSpec) -> Network {
    let spec = spec.labels(scope.labels());
    let name = spec.get_name().to_owned();
    engine
        .docker
        .networks()
        .create(&spec)
        .await
        .unwrap_or_else(|e| panic!("{engine}: creating {name}: {e}"))
        .network
}

/// A container on `network` answering `hi` on TCP port 7000, reachable as `alias` too.
async fn server(engine: &Engine, scope: &Scope, network: &Network, alias: &str) -> Container {
    let spec = ContainerSpec::new(test_image(engine).await)
        .name(scope.name("server"))
        .cmd(["sh", "-c", "while :; do echo hi | nc -l -p 7000; done"])
        .labels(scope.labels())
        .network(network, [alias])
        .host(HostSpec::new().network_mode(network));
    engine
        .docker
        .containers()
        .run(&spec)
        .await
        .unwrap_or_else(|e| panic!("{engine}: the server: {e}"))
        .container
}

/// Whether a container on `network` gets `hi` from `target` port 7000 (a name or an
/// address) within 2 s.
async fn reaches(engine: &Engine, scope: &Scope, network: &Network, target: &str) -> bool {
    let script = format!("nc -w 2 {target} 7000 </dev/null | grep -q hi");
    run_on(engine, scope, network, &script).await == 0
}

/// Runs `script` in a container on `network`; its exit code.
async fn run_on(engine: &Engine, scope: &Scope, network: &Network, script: &str) -> i64 {
    exit_code(engine, scope, HostSpec::new().network_mode(network), script).await
}

/// The address `c` has on the network `network` (by name).
async fn address(c: &Container, network: &str) -> String {
    let settings = c.inspect().await.unwrap().network_settings.unwrap();
    let endpoint = &settings.networks[network];
    endpoint.ip_address.clone().expect("an address")
}

#[tokio::test]
async fn containers_reach_each_other_by_name_and_alias_and_disconnect_cuts_it() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "net-reach");
    let front = create_network(&engine, &scope, NetworkSpec::new(scope.name("front"))).await;
    let other = create_network(&engine, &scope, NetworkSpec::new(scope.name("other"))).await;
    let srv = server(&engine, &scope, &front, "srv-alias").await;
    let srv_name = srv.inspect().await.unwrap().name.unwrap();
    let srv_name = srv_name.trim_start_matches('/');
    let front_name = front.inspect().await.unwrap().name.unwrap();
    let ip = address(&srv, &front_name).await;

    if engine.flavor == Flavor::Podman {
        // Podman 4.3 resolves container names only with its DNS plugin (aardvark-dns or
        // dnsname), which this engine does not have: containers meet by address.
        say(
            &engine,
            "no DNS on user networks here (no aardvark-dns): checked by address",
        );
        assert!(
            !reaches(&engine, &scope, &front, srv_name).await,
            "{engine}: no DNS"
        );
    } else {
        assert!(
            reaches(&engine, &scope, &front, srv_name).await,
            "{engine}: by name"
        );
        assert!(
            reaches(&engine, &scope, &front, "srv-alias").await,
            "{engine}: by alias"
        );
        assert!(
            !reaches(&engine, &scope, &other, srv_name).await,
            "{engine}: another network does not resolve it"
        );
    }
    assert!(
        reaches(&engine, &scope, &front, &ip).await,
        "{engine}: by address"
    );
    if reaches(&engine, &scope, &other, &ip).await {
        // Networks are kept apart by the engine's firewall rules; without them (Docker
        // started with --iptables=false, Podman's CNI bridges) the host routes between
        // bridges. DNS stays per network, as checked above.
        say(
            &engine,
            "another network reaches the address: no isolation rules here",
        );
    }
    front.disconnect(&srv, false).await.unwrap();
    assert!(
        !reaches(&engine, &scope, &front, &ip).await,
        "{engine}: cut by address"
    );
    if engine.flavor == Flavor::Docker {
        assert!(
            !reaches(&engine, &scope, &front, "srv-alias").await,
            "{engine}: cut"
        );
    }
    let attached = front.inspect().await.unwrap().containers;
    assert!(attached.is_empty(), "{engine}: {attached:?}");

    // connected again, under another alias
    front
        .connect(&srv, &EndpointSpec::new().alias("again"))
        .await
        .unwrap();
    let ip = address(&srv, &front_name).await;
    assert!(
        reaches(&engine, &scope, &front, &ip).await,
        "{engine}: back"
    );
    if engine.flavor == Flavor::Docker {
        assert!(
            reaches(&engine, &scope, &front, "again").await,
            "{engine}: new alias"
        );
    }
}

#[tokio::test]
async fn an_internal_network_has_no_route_out() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "net-internal");
    let internal = create_network(
        &engine,
        &scope,
        NetworkSpec::new(scope.name("internal")).internal(true),
    )
    .await;
    let open = create_network(&engine, &scope, NetworkSpec::new(scope.name("open"))).await;
    assert_eq!(internal.inspect().await.unwrap().internal, Some(true));
    // containers of an internal network still reach each other
    let srv = server(&engine, &scope, &internal, "inside").await;
    let internal_name = internal.inspect().await.unwrap().name.unwrap();
    let ip = address(&srv, &internal_name).await;
    assert!(
        reaches(&engine, &scope, &internal, &ip).await,
        "{engine}: inside"
    );

    let has_default = "ip route | grep -q '^default'";
    assert_eq!(
        run_on(&engine, &scope, &open, has_default).await,
        0,
        "{engine}"
    );
    let internal_route = run_on(&engine, &scope, &internal, has_default).await;
    // the host's address on another bridge: outside the internal network's subnet
    let far = create_network(&engine, &scope, NetworkSpec::new(scope.name("far"))).await;
    let far_gateway = far.inspect().await.unwrap().ipam.unwrap().config[0]
        .gateway
        .clone()
        .unwrap();
    let ping = format!("ping -c1 -W2 {far_gateway}");
    let out = run_on(&engine, &scope, &internal, &ping).await;
    if engine.docker_major() == Some(20) {
        // Docker 20.10 gives an internal network a gateway on the host and drops in its
        // firewall (DOCKER-ISOLATION) what would be forwarded beyond: the host itself
        // still answers.
        say(
            &engine,
            "an internal network keeps a route to the host; forwarding is dropped",
        );
        assert_eq!(internal_route, 0, "{engine}");
    } else {
        assert_ne!(internal_route, 0, "{engine}: no default route");
        assert_ne!(
            out, 0,
            "{engine}: the host's other addresses are out of reach"
        );
    }
}

#[tokio::test]
async fn a_fixed_address_in_a_custom_subnet_is_held_and_one_outside_is_refused() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "net-fixed");
    let (cidr, prefix) = subnet(&engine, 1);
    let pool = IpamPool::new(&cidr)
        .gateway(format!("{prefix}1"))
        .ip_range(format!("{prefix}128/25"));
    let net = create_network(
        &engine,
        &scope,
        NetworkSpec::new(scope.name("fixed")).pool(pool),
    )
    .await;
    let net_name = net.inspect().await.unwrap().name.unwrap();
    // in the range containers get addresses from: Podman's CNI allocates only there
    let fixed = format!("{prefix}200");
    let spec = ContainerSpec::new(test_image(&engine).await)
        .name(scope.name("fixed"))
        .cmd(["sh", "-c", "while :; do echo hi | nc -l -p 7000; done"])
        .labels(scope.labels())
        .endpoint(&net, &EndpointSpec::new().ipv4(&fixed))
        .host(HostSpec::new().network_mode(&net));
    let containers = engine.docker.containers();
    let c = containers.run(&spec).await.unwrap().container;
    assert_eq!(address(&c, &net_name).await, fixed, "{engine}: inspect");
    assert!(
        reaches(&engine, &scope, &net, &fixed).await,
        "{engine}: {fixed} answers"
    );
    let listed = net.inspect().await.unwrap().containers;
    assert!(
        listed
            .values()
            .any(|e| e.i_pv4_address.as_deref() == Some(&format!("{fixed}/24"))),
        "{engine}: {listed:?}"
    );

    // an address outside the subnet
    let outside = ContainerSpec::new(test_image(&engine).await)
        .name(scope.name("outside"))
        .cmd(["true"])
        .labels(scope.labels());
    let d = containers.create(&outside).await.unwrap().container;
    let e = match net
        .connect(&d, &EndpointSpec::new().ipv4("10.99.0.5"))
        .await
    {
        Err(e) => e,
        Ok(()) => {
            // Docker 20.10 checks the address when the container starts
            say(
                &engine,
                "an address outside the subnet is refused at start, not at connect",
            );
            d.start().await.unwrap_err()
        }
    };
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{engine}: {e}");
    assert!(e.message().is_some_and(|m| m.contains("10.99.0.5")), "{e}");
}

#[tokio::test]
async fn removing_a_network_with_containers_attached_is_a_conflict() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "net-busy");
    let net = create_network(&engine, &scope, NetworkSpec::new(scope.name("busy"))).await;
    let srv = server(&engine, &scope, &net, "busy").await;
    // by name: Podman 4.3 removes a network given by id whatever is attached to it
    let name = net.inspect().await.unwrap().name.unwrap();
    let net = engine.docker.network(name);
    let e = net.remove().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{engine}: {e}");
    // Docker: "... has active endpoints"; Podman: "... has associated containers with it"
    assert!(
        e.message()
            .is_some_and(|m| m.contains("active endpoints") || m.contains("associated containers")),
        "{engine}: {e}"
    );
    srv.remove_with(&RemoveOptions::new().force(true))
        .await
        .unwrap();
    net.remove().await.unwrap();
    assert_eq!(net.inspect().await.unwrap_err().kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn a_name_that_exists_is_a_conflict() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "net-taken");
    let name = scope.name("taken");
    create_network(&engine, &scope, NetworkSpec::new(&name)).await;
    let again = NetworkSpec::new(&name).labels(scope.labels());
    match engine.docker.networks().create(&again).await {
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Conflict, "{engine}: {e}");
            assert!(e.message().is_some_and(|m| m.contains(&name)), "{e}");
            assert!(e.message().is_some_and(|m| m.contains("already")), "{e}");
        }
        Ok(created) => {
            // Docker 20.10 checks names only when asked (CheckDuplicate, gone from the
            // v1.51 body since the daemon always checks from API 1.44): a second network
            // of that name, and a warning.
            assert_eq!(engine.docker_major(), Some(20), "{engine}: created twice");
            say(
                &engine,
                "a second network of a name that exists is created, with a warning",
            );
            let warning = created.warning.unwrap_or_default();
            assert!(warning.contains("already exists"), "{engine}: {warning:?}");
            let same = engine
                .docker
                .networks()
                .list(&Filters::new().name(&name))
                .await
                .unwrap();
            assert_eq!(same.len(), 2, "{engine}");
        }
    }
}

#[tokio::test]
async fn list_and_prune_take_only_what_their_filters_name() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "net-prune");
    let doomed = create_network(
        &engine,
        &scope,
        NetworkSpec::new(scope.name("doomed")).label("org.wharf.test.prune", scope.name("p")),
    )
    .await;
    let kept = create_network(&engine, &scope, NetworkSpec::new(scope.name("kept"))).await;
    let listed = engine
        .docker
        .networks()
        .list(&scope_filter(&scope))
        .await
        .unwrap();
    assert_eq!(listed.len(), 2, "{engine}: {listed:?}");
    // one label value: Podman 4.3 takes objects matching any of several
    let only = Filters::new().label(format!("org.wharf.test.prune={}", scope.name("p")));
    let mut pruned = engine.docker.networks().prune(&only).await;
    for _ in 0..3 {
        match &pruned {
            // Podman 4.3 looks up every container while it prunes: one that another test
            // removes meanwhile fails the prune
            Err(e)
                if e.message()
                    .is_some_and(|m| m.contains("does not exist in database")) =>
            {
                say(
                    &engine,
                    &format!("the prune raced another test; again: {e}"),
                );
                pruned = engine.docker.networks().prune(&only).await;
            }
            _ => break,
        }
    }
    let pruned = pruned.unwrap();
    let doomed_name = scope_network_name(&listed, "doomed");
    assert_eq!(pruned.networks_deleted, [doomed_name], "{engine}");
    assert_eq!(
        doomed.inspect().await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    kept.inspect().await.unwrap();
}

fn scope_network_name(listed: &[wharf::api::types::Network], what: &str) -> String {
    listed
        .iter()
        .filter_map(|n| n.name.clone())
        .find(|n| n.ends_with(what))
        .unwrap()
}
