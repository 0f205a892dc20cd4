<?php
/**
 * Plugin Name:       Balas WhatsApp
 * Description:       A WhatsApp chat button on the storefront that opens a conversation with the store's Balas assistant, and the store's connection to Balas.
 * Version:           0.1.0
 * Requires at least: 5.8
 * Requires PHP:      7.4
 * Author:            Balas
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       balas-whatsapp
 *
 * @package Balas_WhatsApp
 */

defined( 'ABSPATH' ) || exit;

define( 'BALAS_WHATSAPP_VERSION', '0.1.0' );
define( 'BALAS_WHATSAPP_FILE', __FILE__ );

require_once __DIR__ . '/includes/class-balas-whatsapp-options.php';
require_once __DIR__ . '/includes/class-balas-whatsapp-link.php';
require_once __DIR__ . '/includes/class-balas-whatsapp-button.php';
require_once __DIR__ . '/includes/class-balas-whatsapp-connect.php';
require_once __DIR__ . '/includes/class-balas-whatsapp-settings-page.php';

/**
 * Wires the plugin's parts to WordPress once every plugin is loaded.
 */
function balas_whatsapp_boot() {
	$options = new Balas_WhatsApp_Options();
	( new Balas_WhatsApp_Button( $options ) )->register();
	if ( is_admin() ) {
		( new Balas_WhatsApp_Settings_Page( $options, new Balas_WhatsApp_Connect() ) )->register();
	}
}
add_action( 'plugins_loaded', 'balas_whatsapp_boot' );
