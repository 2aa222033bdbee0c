//! Signed code verifications by the device API.

use crate::common::*;

/// A registered kiosk: its id and secret.
#[derive(Clone)]
struct Kiosk {
    device: String,
    secret: String,
}

/// One verification a kiosk sends.
#[derive(Clone)]
struct Try {
    mobile: String,
    code: String,
    right: bool,
}

/// Sends a signed verification; the status, the `result` and the time it took.
async fn verify(
    http: &reqwest::Client,
    base: &str,
    k: &Kiosk,
    now: i64,
    t: &Try,
) -> (u16, String, Duration) {
    let body = json!({ "mobile": t.mobile, "code": t.code }).to_string();
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let path = "/device/v1/verify";
    let signature = sign(
        k.secret.as_bytes(),
        &canonical("POST", path, now, &nonce, body.as_bytes()),
    );
    let started = Instant::now();
    let r = http
        .post(format!("{base}{path}"))
        .header("x-civicdesk-device", &k.device)
        .header("x-civicdesk-timestamp", now.to_string())
        .header("x-civicdesk-nonce", &nonce)
        .header("x-civicdesk-signature", signature)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await;
    let (status, result) = match r {
        Ok(r) => {
            let status = r.status().as_u16();
            let v: Value = r.json().await.unwrap_or(Value::Null);
            let result = v["result"]
                .as_str()
                .or(v["error"].as_str())
                .unwrap_or("?")
                .to_string();
            (status, result)
        }
        Err(e) if e.is_timeout() => (0, "client timeout".to_string()),
        Err(_) => (0, "connection failed".to_string()),
    };
    (status, result, started.elapsed())
}

/// A code that is not `code`.
fn wrong_code(rng: &mut Rng, code: &str) -> String {
    loop {
        let c = format!("{:06}", rng.below(1_000_000));
        if c != code {
            return c;
        }
    }
}

/// What a run of verifications gave: the latencies of right and wrong codes, the answers by
/// kind, status and result, the tries not sent before the deadline, and the wall time.
struct Run {
    right: Lat,
    wrong: Lat,
    /// The warm-up: requests sent before every kiosk had the answer to its first (they all
    /// start at the same instant, opening their connections in the first run); shown apart,
    /// not in the figures of the run.
    warm_up: Lat,
    outcomes: BTreeMap<(bool, u16, String), usize>,
    not_sent: usize,
    wall: f64,
}

impl Run {
    fn print(&self, indent: &str) {
        let mut all = Lat::default();
        all.merge(&self.right);
        all.merge(&self.wrong);
        let n = all.0.len();
        let total = n + self.warm_up.0.len();
        println!(
            "{indent}all: {total} answered in {:.2} s = {:.0} requests/s; the {n} after the warm-up: {}",
            self.wall,
            total as f64 / self.wall,
            all.summary()
        );
        if !self.warm_up.0.is_empty() {
            println!(
                "{indent}(the warm-up, not in these figures: the requests sent before every kiosk had the answer to its first; they all start at the same instant, opening their connections in the first run: {}; {})",
                self.warm_up.0.len(),
                self.warm_up.summary()
            );
        }
        for (name, l) in [("right codes", &self.right), ("wrong codes", &self.wrong)] {
            if !l.0.is_empty() {
                println!(
                    "{indent}{name} after the warm-up: {}; {}",
                    l.0.len(),
                    l.summary()
                );
            }
        }
        let unexpected: usize = self
            .outcomes
            .iter()
            .filter(|((r, s, res), _)| !(*s == 200 && res == if *r { "open" } else { "wrong" }))
            .map(|(_, n)| n)
            .sum();
        let shown: Vec<String> = self
            .outcomes
            .iter()
            .map(|((r, s, res), n)| {
                format!("{} {s} {res}: {n}", if *r { "right" } else { "wrong" })
            })
            .collect();
        println!(
            "{indent}answers {}; unexpected: {unexpected}{}",
            shown.join(", "),
            if self.not_sent > 0 {
                format!("; {} not sent (the run's deadline passed)", self.not_sent)
            } else {
                String::new()
            }
        );
    }

    /// Whether every try was sent and got the answer its code should.
    fn clean(&self) -> bool {
        self.not_sent == 0
            && self
                .outcomes
                .keys()
                .all(|(r, s, res)| *s == 200 && res == if *r { "open" } else { "wrong" })
    }
}

/// Runs `plans` (one list of tries per kiosk) back to back from every kiosk at once, sending
/// nothing new after `deadline`.
async fn run_closed(
    http: &reqwest::Client,
    base: &str,
    platform: &platform::Platform,
    kiosks: &[Kiosk],
    plans: Vec<Vec<Try>>,
    deadline: Instant,
) -> Run {
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(kiosks.len());
    // Kiosks that have had their first answer: the run is warm once all have.
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let n_kiosks = kiosks.len();
    let dump = std::env::var("LAT_DUMP").is_ok_and(|v| v == "1");
    for (k, plan) in kiosks.iter().cloned().zip(plans) {
        let (http, base, platform) = (http.clone(), base.to_string(), platform.clone());
        let answered = answered.clone();
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::with_capacity(plan.len());
            let mut not_sent = 0;
            for t in plan {
                if Instant::now() >= deadline {
                    not_sent += 1;
                    continue;
                }
                let at = std::time::SystemTime::now();
                let warm = answered.load(std::sync::atomic::Ordering::Relaxed) == n_kiosks;
                let (status, result, d) = verify(&http, &base, &k, platform.now(), &t).await;
                if out.is_empty() {
                    answered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                if dump {
                    // When each request was sent (µs since the epoch, like the logs' clock)
                    // and how long it took, to set beside `RUST_LOG`'s batch log.
                    let at = at.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
                    eprintln!("LAT {} {}", at.as_micros(), d.as_micros());
                }
                out.push((t.right, status, result, d, !warm));
            }
            if out.is_empty() {
                // A kiosk with nothing sent does not hold the others in the warm-up.
                answered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            (out, not_sent)
        }));
    }
    let (mut results, mut not_sent) = (Vec::new(), 0);
    for t in tasks {
        let (out, n) = t.await.expect("task");
        results.extend(out);
        not_sent += n;
    }
    let wall = started.elapsed().as_secs_f64();
    tally(results, not_sent, wall)
}

/// A request's outcome: whether its code was right, the status, the answer, how long it took,
/// and whether it was sent during the warm-up.
type Outcome = (bool, u16, String, Duration, bool);

fn tally(results: Vec<Outcome>, not_sent: usize, wall: f64) -> Run {
    let (mut right, mut wrong, mut warm_up) = (Lat::default(), Lat::default(), Lat::default());
    let mut outcomes: BTreeMap<(bool, u16, String), usize> = BTreeMap::new();
    for (is_right, status, result, d, warming) in results {
        if warming {
            warm_up.add(d);
        } else if is_right {
            right.add(d);
        } else {
            wrong.add(d);
        }
        *outcomes.entry((is_right, status, result)).or_default() += 1;
    }
    Run {
        right,
        wrong,
        warm_up,
        outcomes,
        not_sent,
        wall,
    }
}

/// Right codes as tries, dealt to `n` kiosks in turn.
fn deal(grants: &[counter::testkit::ReadyInLocker], n: usize) -> Vec<Vec<Try>> {
    let mut plans = vec![Vec::new(); n];
    for (i, g) in grants.iter().enumerate() {
        plans[i % n].push(Try {
            mobile: g.mobile.clone(),
            code: g.code.clone(),
            right: true,
        });
    }
    plans
}

/// Code verification by the device API at `DEVICES` concurrent kiosks.
pub(crate) async fn verification(modules: &web::Modules, base: &str, citizens: &[String]) {
    let counter = &modules.counter;
    let n_devices = size("DEVICES", 64).max(1);
    // A kiosk takes 20 wrong codes in 15 minutes (`KIOSK_GUESSES`), then answers 429: by
    // default each kiosk sends as many, 4 for each of 5 grants.
    let budget = usize::try_from(counter::app::device::KIOSK_GUESSES.max).unwrap_or(20);
    let n_grants = size("GRANTS", 5_000);
    let n_wrong = size("WRONG", budget * n_devices / 4).min(n_grants);
    let n_real = size("REAL", 20).min(24);
    let seconds = size("VERIFY_SECONDS", 90) as u64;
    let few = size("FEW_DEVICES", 8).max(1);
    let n_few = size("FEW_GRANTS", 1_000);
    let rate = size("RATE", 100).max(1);
    let paced_seconds = size("PACED_SECONDS", 10);
    let n_paced = rate * paced_seconds;

    // Through the app: a free service applied for, approved, issued to a door; a code asked.
    let started = Instant::now();
    let applicant = &citizens[0];
    identity::testkit::prove_real_name(
        &modules.platform.db,
        applicant,
        "陳美玲",
        "A123456789",
        modules.platform.now(),
    )
    .await
    .expect("real name");
    let me = citizen_actor(applicant);
    let site = counter.smart_desks(&system()).await.expect("sites");
    let site = &site[0];
    let free: Vec<String> = site
        .doors
        .iter()
        .filter(|d| d.state == "free")
        .map(|d| d.id.clone())
        .collect();
    let mut real = Vec::new();
    for (i, door) in free.iter().take(n_real).enumerate() {
        let mobile = format!("09880{i:05}");
        let a = counter
            .start_application(&me, FREE_SERVICE, OFFICE, "locker")
            .await
            .expect("start");
        let answers: BTreeMap<String, String> = [
            ("mobile", mobile.as_str()),
            ("applies_for", "self"),
            ("household_address", "臺東縣臺東市中山路276號"),
            ("household_size", "3"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        if let Err(e) = counter.submit(&me, &a.id, answers, true).await {
            panic!("submit: {e:?}");
        }
        counter.approve(&system(), &a.id).await.expect("approve");
        let issued = counter
            .issue(&system(), &a.id, IssueTo::Door(door.clone()))
            .await
            .expect("issue");
        assert_eq!(issued.state.as_str(), "ready_for_pickup");
        let (_, code) = counter.rotate_code(&me, &a.id).await.expect("code");
        real.push(Try {
            mobile,
            code,
            right: true,
        });
    }
    let n_real = real.len();
    let through_app = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let seeded = counter::testkit::seed_ready_in_lockers(
        counter,
        TAIPEI,
        OFFICE,
        FREE_SERVICE,
        citizens,
        n_grants + n_few + n_paced + 1,
    )
    .await
    .expect("seed");
    println!(
        "code verification: {} documents waiting in doors of one Smart Desk site ({OFFICE}, the catalogue's only one): {n_real} through the app (start, submit, approve, issue to a door, rotate_code: {through_app:.1} s), {} seeded below the app API as those steps leave them ({:.1} s, as many doors added to the site)",
        n_real + seeded.len(),
        seeded.len(),
        started.elapsed().as_secs_f64(),
    );
    let (main, rest) = seeded.split_at(n_grants);
    let (few_grants, rest) = rest.split_at(n_few);
    let (paced, probe) = rest.split_at(n_paced);

    let mut kiosks = Vec::with_capacity(n_devices + 10);
    for i in 0..n_devices + 10 {
        let c = counter
            .register_device(&system(), &site.site.id, &format!("Bench kiosk {i:02}"))
            .await
            .expect("device");
        kiosks.push(Kiosk {
            device: c.device_id,
            secret: c.secret,
        });
    }
    let spare = kiosks.split_off(n_devices);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");

    // Back to back: every right code once; 4 wrong codes for each of `n_wrong` grants, all
    // four from one kiosk (a person trying again at the same kiosk).
    let mut rng = Rng(0x5DEE_CE66_D1CE_4E5B);
    let (wrong_targets, right_seeded) = main.split_at(n_wrong);
    let mut plans = deal(right_seeded, n_devices);
    for (i, t) in real.into_iter().enumerate() {
        plans[(i * 7) % n_devices].push(t);
    }
    for (i, g) in wrong_targets.iter().enumerate() {
        for _ in 0..4 {
            let code = wrong_code(&mut rng, &g.code);
            plans[i % n_devices].push(Try {
                mobile: g.mobile.clone(),
                code,
                right: false,
            });
        }
    }
    for p in &mut plans {
        rng.shuffle(p);
    }
    let total: usize = plans.iter().map(Vec::len).sum();
    let rights: usize = plans.iter().flatten().filter(|t| t.right).count();
    println!(
        "  {n_devices} kiosks at once, each sending signed POST /device/v1/verify (mobile + code) over HTTP back to back (at most {seconds} s; a request may take 30 s): {total} requests, {rights} right codes (each opens its door once: grant used, door opened, pickup recorded, chained and told) and {} wrong (4 for each of {n_wrong} grants, {} a kiosk: its limit; each counted on its grant, its door and the kiosk)",
        total - rights,
        (total - rights).div_ceil(n_devices)
    );
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let run = run_closed(&http, base, &modules.platform, &kiosks, plans, deadline).await;
    run.print("    ");
    if !run.clean() {
        // Requests the client gave up on may still hold the server's connections.
        tokio::time::sleep(Duration::from_secs(15)).await;
    }

    // Fewer kiosks than the server's 16 database connections, right codes only.
    println!(
        "  {few} kiosks at once, back to back, right codes only: {} requests",
        few_grants.len()
    );
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let run = run_closed(
        &http,
        base,
        &modules.platform,
        &kiosks[..few.min(n_devices)],
        deal(few_grants, few.min(n_devices)),
        deadline,
    )
    .await;
    run.print("    ");

    // Paced: the kiosks each sending a right code every `n_devices / rate` seconds (open
    // loop: a late answer does not delay the next request).
    let interval = Duration::from_secs_f64(n_devices as f64 / rate as f64);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(n_devices);
    for (d, (k, mine)) in kiosks
        .iter()
        .cloned()
        .zip(deal(paced, n_devices))
        .enumerate()
    {
        let (http, base, platform) = (http.clone(), base.to_string(), modules.platform.clone());
        let first = tokio::time::Instant::now() + interval.mul_f64(d as f64 / n_devices as f64);
        tasks.push(tokio::spawn(async move {
            let mut sent = Vec::with_capacity(mine.len());
            for (j, t) in mine.into_iter().enumerate() {
                tokio::time::sleep_until(first + interval * u32::try_from(j).unwrap_or(0)).await;
                let (http, base, k, platform) =
                    (http.clone(), base.clone(), k.clone(), platform.clone());
                sent.push(tokio::spawn(async move {
                    let (status, result, d) = verify(&http, &base, &k, platform.now(), &t).await;
                    (true, status, result, d, false)
                }));
            }
            let mut out = Vec::with_capacity(sent.len());
            for s in sent {
                out.push(s.await.expect("request"));
            }
            out
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.extend(t.await.expect("task"));
    }
    let run = tally(results, 0, started.elapsed().as_secs_f64());
    println!(
        "  paced: the {n_devices} kiosks each sending a right code every {:.0} ms ({rate}/s offered, open loop) for {paced_seconds} s:",
        interval.as_secs_f64() * 1e3,
    );
    run.print("    ");

    // Ten wrong codes for one grant at once, from ten other kiosks: each must be counted on
    // the grant (which locks at 5) and on its door.
    let g = &probe[0];
    let mut tasks = Vec::new();
    for k in spare {
        let (http, base, platform) = (http.clone(), base.to_string(), modules.platform.clone());
        let t = Try {
            mobile: g.mobile.clone(),
            code: wrong_code(&mut rng, &g.code),
            right: false,
        };
        tasks.push(tokio::spawn(async move {
            verify(&http, &base, &k, platform.now(), &t).await
        }));
    }
    let mut answers: BTreeMap<String, usize> = BTreeMap::new();
    for t in tasks {
        let (status, result, _) = t.await.expect("task");
        *answers.entry(format!("{status} {result}")).or_default() += 1;
    }
    let stored = counter::testkit::grant(&modules.platform.db, &g.grant_id)
        .await
        .expect("grant")
        .expect("the grant");
    println!(
        "  check: 10 wrong codes for one grant at once from 10 other kiosks: answers {answers:?}; the grant counts {} (locked: {}), its door {}",
        stored.wrong,
        stored.locked,
        stored.door_wrong.unwrap_or(-1)
    );
}
