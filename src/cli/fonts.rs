//! `kaoping fonts`: which font each role resolved to.

use kaoping::render::fonts::Fonts;

use crate::args::FontArgs;
use crate::front::Error;

pub fn run(args: &FontArgs) -> Result<(), Error> {
    let fonts = Fonts::load(&args.engine.font_options())?;
    for role in fonts.roles() {
        let chosen = &role.families[0];
        let origin = if fonts.is_bundled(chosen) { "随附字体" } else { "系统字体" };
        println!("{}：{chosen}（{origin}）", role.role.label());
        if role.families.len() > 1 {
            println!("    缺字时依次补用：{}", role.families[1..].join("、"));
        }
        if !role.missing.is_empty() {
            println!("    未安装：{}", role.missing.join("、"));
        }
    }
    Ok(())
}
